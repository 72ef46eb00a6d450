package results

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SLO is a latency objective: every bound must hold. The zero SLO has no
// bounds and is met by everything.
type SLO struct {
	Bounds []Bound
}

// Bound is one latency bound: the Percentile-th percentile (0 < p < 100)
// must not exceed Limit.
type Bound struct {
	Percentile float64
	Limit      time.Duration
}

// ParseSLO parses an objective: a comma-separated list of pXX=DURATION
// ("p99=10ms", "p50=1ms,p99.9=50ms"), or a bare duration, which bounds p99
// ("10ms"). "" and "0" give the zero SLO (no objective).
func ParseSLO(s string) (SLO, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" || s == "none" {
		return SLO{}, nil
	}
	var slo SLO
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		name, lim, ok := strings.Cut(part, "=")
		if !ok {
			name, lim = "p99", part
		}
		name = strings.TrimSpace(strings.ToLower(name))
		if !strings.HasPrefix(name, "p") {
			return SLO{}, fmt.Errorf("SLO %q: %q is not a percentile (use e.g. p99=10ms)", s, name)
		}
		p, err := strconv.ParseFloat(name[1:], 64)
		if err != nil || p <= 0 || p >= 100 {
			return SLO{}, fmt.Errorf("SLO %q: %q is not a percentile between p0 and p100 (use e.g. p99=10ms)", s, name)
		}
		d, err := time.ParseDuration(strings.TrimSpace(lim))
		if err != nil || d <= 0 {
			return SLO{}, fmt.Errorf("SLO %q: %q is not a positive duration (use e.g. 10ms)", s, lim)
		}
		slo.Bounds = append(slo.Bounds, Bound{Percentile: p, Limit: d})
	}
	return slo, nil
}

// IsZero reports whether the SLO has no bounds.
func (s SLO) IsZero() bool { return len(s.Bounds) == 0 }

// String formats the SLO as ParseSLO reads it: "p99=10ms".
func (s SLO) String() string {
	parts := make([]string, len(s.Bounds))
	for i, b := range s.Bounds {
		parts[i] = fmt.Sprintf("p%s=%s", strconv.FormatFloat(b.Percentile, 'f', -1, 64), b.Limit)
	}
	return strings.Join(parts, ",")
}

// Check tells whether the latency percentiles given by at (percentile →
// microseconds) meet every bound; when not, reason names the first bound
// missed.
func (s SLO) Check(at func(percentile float64) float64) (ok bool, reason string) {
	for _, b := range s.Bounds {
		got := at(b.Percentile)
		limit := float64(b.Limit) / 1e3
		if got > limit {
			return false, fmt.Sprintf("p%s %s µs > %s", strconv.FormatFloat(b.Percentile, 'f', -1, 64), FormatMicros(got), b.Limit)
		}
	}
	return true, ""
}

// Percentile returns latency percentile p (0 < p < 100) of a summary in
// microseconds: the summary's own figure for p50, p90, p95, p99 and p99.9,
// otherwise ok is false.
func (l Latency) Percentile(p float64) (us float64, ok bool) {
	switch p {
	case 50:
		return l.P50, true
	case 90:
		return l.P90, true
	case 95:
		return l.P95, true
	case 99:
		return l.P99, true
	case 99.9:
		return l.P999, true
	}
	return 0, false
}
