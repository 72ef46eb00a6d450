package gen

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// cpuTestConfig is a small data set: 10 hosts × 100 readings.
func cpuTestConfig(seed uint64) CPUConfig {
	return CPUConfig{Seed: seed, Hosts: 10, Start: 1451606400e9, Interval: 10e9, Points: 100}
}

// cpuRows returns all rows of share part of parts.
func cpuRows(cfg CPUConfig, part, parts int) []CPURow {
	g := NewCPUGenerator(cfg, part, parts)
	var rows []CPURow
	buf := make([]CPURow, 37) // a batch size that does not divide the share
	for {
		n := g.Next(buf)
		if n == 0 {
			return rows
		}
		rows = append(rows, buf[:n]...)
	}
}

// cpuHash hashes rows and the tags of hosts 0 … hosts-1.
func cpuHash(seed uint64, rows []CPURow, hosts int) uint64 {
	h := fnv.New64a()
	var b [8]byte
	for _, r := range rows {
		binary.LittleEndian.PutUint64(b[:], uint64(r.Host))
		h.Write(b[:])
		binary.LittleEndian.PutUint64(b[:], uint64(r.Time))
		h.Write(b[:])
		for _, f := range r.Fields {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(f))
			h.Write(b[:])
		}
	}
	for id := range hosts {
		for _, t := range CPUHostTags(seed, id) {
			h.Write([]byte(t))
			h.Write([]byte{0})
		}
	}
	return h.Sum64()
}

func TestCPUDeterminism(t *testing.T) {
	cfg := cpuTestConfig(1)
	h1 := cpuHash(1, cpuRows(cfg, 0, 1), cfg.Hosts)
	h2 := cpuHash(1, cpuRows(cfg, 0, 1), cfg.Hosts)
	if h1 != h2 {
		t.Fatalf("same seed, different data: %x != %x", h1, h2)
	}
	// The data are the same bytes on every machine: integer arithmetic
	// and exact conversions only. Pin the hash so a change is noticed.
	const golden = 0x5987bc22030b7756
	if h1 != golden {
		t.Errorf("hash of seed 1 data = %#x, want %#x (generator output changed)", h1, uint64(golden))
	}
	cfg2 := cpuTestConfig(2)
	if h3 := cpuHash(2, cpuRows(cfg2, 0, 1), cfg2.Hosts); h3 == h1 {
		t.Errorf("seeds 1 and 2 give the same data (hash %x)", h1)
	}
}

func TestCPUShardsUnion(t *testing.T) {
	for _, tc := range []struct{ hosts, parts int }{{10, 1}, {10, 2}, {10, 3}, {10, 7}, {5, 8}} {
		t.Run(strconv.Itoa(tc.hosts)+"/"+strconv.Itoa(tc.parts), func(t *testing.T) {
			cfg := cpuTestConfig(3)
			cfg.Hosts = tc.hosts
			whole := cpuRows(cfg, 0, 1)
			if int64(len(whole)) != cfg.Rows() {
				t.Fatalf("%d rows, want %d", len(whole), cfg.Rows())
			}
			type key struct {
				host int
				time int64
			}
			want := map[key][CPUFields]float64{}
			for _, r := range whole {
				want[key{r.Host, r.Time}] = r.Fields
			}
			got := map[key][CPUFields]float64{}
			total := 0
			for p := range tc.parts {
				rows := cpuRows(cfg, p, tc.parts)
				g := NewCPUGenerator(cfg, p, tc.parts)
				if int64(len(rows)) != g.Rows() {
					t.Errorf("part %d: %d rows, Rows() = %d", p, len(rows), g.Rows())
				}
				lo, hi := g.Hosts()
				for _, r := range rows {
					if r.Host < lo || r.Host >= hi {
						t.Fatalf("part %d holds host %d, outside [%d, %d)", p, r.Host, lo, hi)
					}
					got[key{r.Host, r.Time}] = r.Fields
				}
				total += len(rows)
			}
			if total != len(whole) || len(got) != len(want) {
				t.Fatalf("parts hold %d rows (%d distinct), whole %d", total, len(got), len(whole))
			}
			for k, f := range want {
				if got[k] != f {
					t.Fatalf("host %d time %d: part gives %v, whole %v", k.host, k.time, got[k], f)
				}
			}
		})
	}
}

func TestCPUTimeOrder(t *testing.T) {
	cfg := cpuTestConfig(4)
	for p := range 3 {
		rows := cpuRows(cfg, p, 3)
		last := map[int]int64{}
		prev := int64(math.MinInt64)
		for _, r := range rows {
			if r.Time < prev {
				t.Fatalf("part %d: time goes back from %d to %d", p, prev, r.Time)
			}
			prev = r.Time
			if l, ok := last[r.Host]; ok && r.Time != l+cfg.Interval {
				t.Fatalf("part %d host %d: reading at %d follows %d", p, r.Host, r.Time, l)
			} else if !ok && r.Time != cfg.Start {
				t.Fatalf("part %d host %d: first reading at %d, want %d", p, r.Host, r.Time, cfg.Start)
			}
			last[r.Host] = r.Time
		}
		for h, l := range last {
			if l != cfg.End()-cfg.Interval {
				t.Errorf("host %d: last reading at %d, want %d", h, l, cfg.End()-cfg.Interval)
			}
		}
	}
}

func TestCPURanges(t *testing.T) {
	cfg := cpuTestConfig(5)
	cfg.Points = 2000 // long enough for walks to hit the bounds
	hitLow, hitHigh := false, false
	for _, r := range cpuRows(cfg, 0, 1) {
		for f, v := range r.Fields {
			if !(v >= 0 && v <= 100) {
				t.Fatalf("host %d %s = %v, outside [0, 100]", r.Host, CPUFieldNames[f], v)
			}
			if v*cpuUnit != math.Trunc(v*cpuUnit) {
				t.Fatalf("host %d %s = %v, not on the 2^-20 grid", r.Host, CPUFieldNames[f], v)
			}
			hitLow = hitLow || v == 0
			hitHigh = hitHigh || v == 100
		}
	}
	if !hitLow || !hitHigh {
		t.Errorf("walks never clamped (low %v, high %v) over %d readings", hitLow, hitHigh, cfg.Rows())
	}
	if f := CPUInitial(5, 3); f != cpuRows(CPUConfig{Seed: 5, Hosts: 4, Interval: 1, Points: 1}, 0, 1)[3].Fields {
		t.Errorf("CPUInitial(5, 3) = %v, differs from the first reading", f)
	}
}

func TestCPUTags(t *testing.T) {
	const hosts = 9000
	regions := map[string]int{}
	teams := map[string]int{}
	for id := range hosts {
		tags := CPUHostTags(7, id)
		if tags[0] != "host_"+strconv.Itoa(id) {
			t.Fatalf("host %d: hostname %q", id, tags[0])
		}
		regions[tags[1]]++
		teams[tags[6]]++
		if !strings.HasPrefix(tags[2], tags[1]) {
			t.Errorf("host %d: datacenter %q not in region %q", id, tags[2], tags[1])
		}
		for i, lim := range map[int]int{3: cpuRackChoices, 7: cpuServiceChoices, 8: cpuServiceVersionChoices} {
			if n, err := strconv.Atoi(tags[i]); err != nil || n < 0 || n >= lim {
				t.Errorf("host %d: %s = %q, want 0..%d", id, CPUTagNames[i], tags[i], lim-1)
			}
		}
		for i, list := range map[int][]string{4: cpuOSes, 5: cpuArchs, 6: cpuTeams, 9: cpuEnvironments} {
			if !slices.Contains(list, tags[i]) {
				t.Errorf("host %d: %s = %q, not one of %v", id, CPUTagNames[i], tags[i], list)
			}
		}
	}
	// Uniform choices: every count within 15% of its expectation (the
	// standard deviation of a count is about 3% of it here).
	for name, counts := range map[string]map[string]int{"region": regions, "team": teams} {
		want := float64(hosts) / float64(len(counts))
		for v, n := range counts {
			if math.Abs(float64(n)-want) > 0.15*want {
				t.Errorf("%s %s: %d hosts, want %.0f ± 15%%", name, v, n, want)
			}
		}
	}
	if len(regions) != len(cpuRegions) || len(teams) != len(cpuTeams) {
		t.Errorf("%d regions and %d teams used, want %d and %d", len(regions), len(teams), len(cpuRegions), len(cpuTeams))
	}
	if CPUHostTags(7, 1) == CPUHostTags(8, 1) && CPUHostTags(7, 2) == CPUHostTags(8, 2) {
		t.Error("tags do not depend on the seed")
	}
}

// TestCPUSteps checks the walk's step distribution: centred, standard
// deviation CPUStepStdDev within 2%, and lighter tails than a uniform
// (excess kurtosis of the Irwin–Hall sum of four: -0.3).
func TestCPUSteps(t *testing.T) {
	cfg := cpuTestConfig(9)
	cfg.Hosts, cfg.Points = 50, 2000
	prev := map[int][CPUFields]float64{}
	var n, sum, sum2, sum4 float64
	for _, r := range cpuRows(cfg, 0, 1) {
		if p, ok := prev[r.Host]; ok {
			for f, v := range r.Fields {
				if v == 0 || v == 100 || p[f] == 0 || p[f] == 100 {
					continue // clamped steps
				}
				d := v - p[f]
				n++
				sum += d
				sum2 += d * d
				sum4 += d * d * d * d
			}
		}
		prev[r.Host] = r.Fields
	}
	mean := sum / n
	variance := sum2/n - mean*mean
	sd := math.Sqrt(variance)
	kurt := sum4/n/(variance*variance) - 3
	t.Logf("%.0f steps: mean %.4f, sd %.4f, excess kurtosis %.3f", n, mean, sd, kurt)
	if math.Abs(mean) > 0.02 {
		t.Errorf("step mean %.4f, want 0 ± 0.02", mean)
	}
	if math.Abs(sd-CPUStepStdDev) > 0.02*CPUStepStdDev {
		t.Errorf("step sd %.4f, want %.4f ± 2%%", sd, CPUStepStdDev)
	}
	if kurt < -0.4 || kurt > -0.2 {
		t.Errorf("step excess kurtosis %.3f, want -0.3 ± 0.1", kurt)
	}
}

// TestCPUInitialUniform checks that walks start uniform in [0, 100]: each
// decile holds 10% of the starts within 1.5 points.
func TestCPUInitialUniform(t *testing.T) {
	var deciles [10]int
	const hosts = 5000
	for id := range hosts {
		for _, v := range CPUInitial(11, id) {
			deciles[min(int(v/10), 9)]++
		}
	}
	for d, n := range deciles {
		if frac := float64(n) / (hosts * CPUFields); math.Abs(frac-0.1) > 0.015 {
			t.Errorf("decile %d holds %.3f of the starts, want 0.100 ± 0.015", d, frac)
		}
	}
}

func BenchmarkCPUGenerator(b *testing.B) {
	cfg := CPUConfig{Seed: 1, Hosts: 4000, Start: 1451606400e9, Interval: 10e9, Points: 1 << 40}
	g := NewCPUGenerator(cfg, 0, 1)
	buf := make([]CPURow, 1000)
	b.ResetTimer()
	for rows := 0; rows < b.N; rows += len(buf) {
		g.Next(buf)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
