package results

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Threshold is a pass/fail criterion on a run's figures, as k6's
// thresholds are: "p99<10ms", "errors<0.1%", "rate>=5000", optionally
// scoped ("point/a:p99<5ms", "crud/mix.like:p99<20ms"). Without a kind in
// its scope it applies to all operation kinds of each cell its scope
// covers together; with one, to that kind's figures. Latencies are the
// ones ranking uses: failed operations at their time to failure and
// dropped open-loop operations included.
type Threshold struct {
	Scope Scope
	// Metric is "pNN" (a latency percentile), "mean", "max", "errors"
	// (the share of started operations that failed), "dropped" (the share
	// of the scheduled open-loop operations never started) or "rate"
	// (successful operations per second).
	Metric string
	// Percentile is set for a pNN metric.
	Percentile float64
	// Op is "<", "<=", ">" or ">=".
	Op string
	// Value is in microseconds for latencies, a share (0.001 for 0.1%)
	// for errors and dropped, operations per second for rate.
	Value float64
	// Text is the threshold as given.
	Text string
}

// ParseThreshold parses "[SCOPE:]METRIC OP VALUE" (see Threshold): values
// of latencies are durations ("10ms"), of errors and dropped percentages
// ("0.1%") or fractions, of rate numbers.
func ParseThreshold(s string) (Threshold, error) {
	sc, expr, err := splitScoped(s)
	if err != nil {
		return Threshold{}, fmt.Errorf("threshold %q: %w", s, err)
	}
	i := strings.IndexAny(expr, "<>")
	if i <= 0 {
		return Threshold{}, fmt.Errorf("threshold %q: use METRIC<VALUE, e.g. p99<10ms, errors<0.1%%, rate>=5000", s)
	}
	t := Threshold{Scope: sc, Metric: strings.ToLower(strings.TrimSpace(expr[:i])), Op: expr[i : i+1], Text: strings.TrimSpace(s)}
	rest := expr[i+1:]
	if strings.HasPrefix(rest, "=") {
		t.Op += "="
		rest = rest[1:]
	}
	rest = strings.TrimSpace(rest)
	bad := func(want string) error {
		return fmt.Errorf("threshold %q: %q is not %s", s, rest, want)
	}
	switch m := t.Metric; {
	case m == "mean" || m == "max" || strings.HasPrefix(m, "p"):
		if strings.HasPrefix(m, "p") {
			p, err := strconv.ParseFloat(m[1:], 64)
			if err != nil || p <= 0 || p >= 100 {
				return Threshold{}, fmt.Errorf("threshold %q: %q is not a metric (use p50 … p99.9, mean, max, errors, dropped or rate)", s, m)
			}
			t.Percentile = p
		}
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return Threshold{}, bad("a duration (e.g. 10ms)")
		}
		t.Value = float64(d) / 1e3
	case m == "errors" || m == "dropped":
		v, err := strconv.ParseFloat(strings.TrimSuffix(rest, "%"), 64)
		if err != nil || v < 0 {
			return Threshold{}, bad("a share (e.g. 0.1%)")
		}
		if strings.HasSuffix(rest, "%") {
			v /= 100
		}
		t.Value = v
	case m == "rate":
		v, err := strconv.ParseFloat(rest, 64)
		if err != nil || v < 0 {
			return Threshold{}, bad("a rate in ops/s (e.g. 5000)")
		}
		t.Value = v
	default:
		return Threshold{}, fmt.Errorf("threshold %q: %q is not a metric (use p50 … p99.9, mean, max, errors, dropped or rate)", s, m)
	}
	return t, nil
}

// String returns the threshold as given.
func (t Threshold) String() string { return t.Text }

// MarshalText writes the threshold as given.
func (t Threshold) MarshalText() ([]byte, error) { return []byte(t.Text), nil }

// UnmarshalText reads what MarshalText wrote.
func (t *Threshold) UnmarshalText(b []byte) error {
	v, err := ParseThreshold(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// ThresholdCheck is the outcome of one threshold on one cell.
type ThresholdCheck struct {
	// Threshold is the threshold as given.
	Threshold string `json:"threshold"`
	// Kind is the operation kind checked; "" for all kinds together.
	Kind string `json:"kind,omitempty"`
	// Value is the figure found, in the threshold's unit (µs, share,
	// ops/s).
	Value float64 `json:"value"`
	OK    bool    `json:"ok"`
	// Text says what was found: "p99 12.3 ms, limit < 10ms".
	Text string `json:"text"`
}

// CheckThresholds checks the thresholds whose scope covers a measured
// cell; nothing when the cell has no measured run (its failure speaks for
// itself) or the scope names a kind the cell does not have.
func CheckThresholds(c *Cell, ts []Threshold) []ThresholdCheck {
	if c.Run == nil {
		return nil
	}
	var out []ThresholdCheck
	for _, t := range ts {
		if !t.Scope.MatchesWorkload(c.Workload) {
			continue
		}
		var k *OpStats
		if t.Scope.Kind != "" {
			for i := range c.Run.Kinds {
				if c.Run.Kinds[i].Kind == t.Scope.Kind {
					k = &c.Run.Kinds[i]
				}
			}
			if k == nil {
				continue
			}
		}
		v := t.measure(c.Run, k)
		ch := ThresholdCheck{Threshold: t.Text, Kind: t.Scope.Kind, Value: v, OK: t.holds(v)}
		ch.Text = fmt.Sprintf("%s %s, limit %s %s", t.Metric, t.format(v), t.Op, t.format(t.Value))
		out = append(out, ch)
	}
	return out
}

// measure returns the threshold's metric of a run, or of one kind of it.
func (t Threshold) measure(r *Run, k *OpStats) float64 {
	switch t.Metric {
	case "errors":
		if k != nil {
			return share(k.ErrorCount(), k.Count+k.ErrorCount())
		}
		return share(r.Errors, r.Ops+r.Errors)
	case "dropped":
		if k != nil {
			return share(k.Dropped, k.Count+k.ErrorCount()+k.Dropped)
		}
		return share(r.DroppedOps, r.IntendedOps)
	case "rate":
		if k != nil {
			return k.OpsPerSec
		}
		return r.OpsPerSec
	}
	var l Latency
	if k != nil {
		l = k.InclusiveLatency()
	} else {
		l = r.InclusiveOverall()
	}
	switch t.Metric {
	case "mean":
		return l.Mean
	case "max":
		return l.Max
	}
	if v, ok := l.Percentile(t.Percentile); ok {
		return v
	}
	if k != nil {
		return Quantile(k.InclusiveHistogram(), t.Percentile)
	}
	return Quantile(r.InclusiveHistogram(), t.Percentile)
}

func (t Threshold) holds(v float64) bool {
	switch t.Op {
	case "<":
		return v < t.Value
	case "<=":
		return v <= t.Value
	case ">":
		return v > t.Value
	}
	return v >= t.Value
}

func (t Threshold) format(v float64) string {
	switch t.Metric {
	case "errors", "dropped":
		return FormatShare(v)
	case "rate":
		return FormatRate(v) + " ops/s"
	}
	return FormatDuration(v)
}

// share returns n/of, 0 when of is 0.
func share(n, of int64) float64 {
	if of <= 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// FormatShare formats a share as a percentage with enough digits to
// tell it from zero: "45%", "0.12%", "0.0031%", "0%".
func FormatShare(x float64) string {
	switch {
	case x == 0:
		return "0%"
	case x >= 0.1:
		return fmt.Sprintf("%.0f%%", 100*x)
	case x >= 0.01:
		return fmt.Sprintf("%.1f%%", 100*x)
	}
	return strconv.FormatFloat(100*x, 'g', 2, 64) + "%"
}

// FormatDuration formats microseconds as a readable duration: "850 µs",
// "12.3 ms", "1.20 s".
func FormatDuration(us float64) string {
	switch {
	case us < 1000:
		return FormatMicros(us) + " µs"
	case us < 1e6:
		return strconv.FormatFloat(us/1e3, 'f', 3-digits(us/1e3), 64) + " ms"
	}
	return strconv.FormatFloat(us/1e6, 'f', 3-digits(us/1e6), 64) + " s"
}

// digits returns the number of digits before the point of x ≥ 1, at most 3.
func digits(x float64) int {
	switch {
	case x >= 100:
		return 3
	case x >= 10:
		return 2
	}
	return 1
}
