package gen

import (
	"fmt"
	"strconv"
)

// This file is the metrics generator of the series pattern, modelled on the
// cpu-only use case of TSBS (timescale/tsbs): hosts with ten string tags
// drawn from fixed lists, each reporting ten CPU usage fields every
// interval. Exported names carry the prefix CPU.

// CPUFields is the number of fields of a cpu reading.
const CPUFields = 10

// CPUTags is the number of tags of a host.
const CPUTags = 10

// CPUFieldNames are the fields of a cpu reading, in TSBS's order.
var CPUFieldNames = [CPUFields]string{
	"usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait",
	"usage_irq", "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice",
}

// CPUTagNames are the tags of a host, in TSBS's order; the first, hostname,
// identifies the host.
var CPUTagNames = [CPUTags]string{
	"hostname", "region", "datacenter", "rack", "os", "arch", "team",
	"service", "service_version", "service_environment",
}

// The tag value lists of TSBS's devops use case.
var (
	cpuRegions = []struct {
		name        string
		datacenters []string
	}{
		{"us-east-1", []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1e"}},
		{"us-west-1", []string{"us-west-1a", "us-west-1b"}},
		{"us-west-2", []string{"us-west-2a", "us-west-2b", "us-west-2c"}},
		{"eu-west-1", []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
		{"eu-central-1", []string{"eu-central-1a", "eu-central-1b"}},
		{"ap-southeast-1", []string{"ap-southeast-1a", "ap-southeast-1b"}},
		{"ap-southeast-2", []string{"ap-southeast-2a", "ap-southeast-2b"}},
		{"ap-northeast-1", []string{"ap-northeast-1a", "ap-northeast-1c"}},
		{"sa-east-1", []string{"sa-east-1a", "sa-east-1b", "sa-east-1c"}},
	}
	cpuTeams        = []string{"SF", "NYC", "LON", "CHI"}
	cpuOSes         = []string{"Ubuntu16.10", "Ubuntu16.04LTS", "Ubuntu15.10"}
	cpuArchs        = []string{"x64", "x86"}
	cpuEnvironments = []string{"production", "staging", "test"}
)

// TSBS's counts of generated numeric tag values.
const (
	cpuRackChoices           = 100
	cpuServiceChoices        = 20
	cpuServiceVersionChoices = 2
)

// Random stream numbers of the generator: one tag stream and one walk
// stream per host, far from the small numbers workloads use for workers.
const (
	cpuTagStream  = 0x5e7_1e5_0000_0000
	cpuWalkStream = 0x5e7_1e5_1000_0000
)

// Field values are random walks on a fixed-point grid: a value is an integer
// number of units of 2^-20, so every value in [0, 100] is exact in float64,
// and so is every sum of fewer than 2^53 / (100·2^20) ≈ 8.6·10^7 values, in
// any order. Means computed as sum/count therefore agree exactly between
// stores whatever order they add in.
const (
	cpuUnitShift = 20
	cpuUnit      = 1 << cpuUnitShift // units per 1.0
	cpuMaxUnits  = 100 * cpuUnit     // the walk's upper bound, 100.0
	// cpuStepScale scales a centred sum of four 16-bit uniforms (standard
	// deviation sqrt((65536²-1)/3) ≈ 37837.23) to units: 28 gives a step
	// standard deviation of 28·37837.23/2^20 ≈ 1.0104.
	cpuStepScale = 28
)

// CPUStepStdDev is the standard deviation of one random-walk step, before
// clamping: the walk steps by an Irwin–Hall approximation of TSBS's N(0, 1).
const CPUStepStdDev = cpuStepScale * 37837.2272 / cpuUnit

// CPUHostName returns the hostname of host id, "host_<id>", as TSBS names
// hosts.
func CPUHostName(id int) string { return "host_" + strconv.Itoa(id) }

// CPUHostTags returns the tags of host id (in CPUTagNames order), a pure
// function of (seed, id): the hostname, then the other tags drawn from TSBS's
// lists in the order TSBS draws them.
func CPUHostTags(seed uint64, id int) [CPUTags]string {
	r := NewRand(seed, cpuTagStream+uint64(id))
	region := &cpuRegions[r.IntN(len(cpuRegions))]
	var t [CPUTags]string
	t[0] = CPUHostName(id)
	t[1] = region.name
	t[2] = region.datacenters[r.IntN(len(region.datacenters))]
	t[3] = strconv.Itoa(r.IntN(cpuRackChoices))
	t[5] = cpuArchs[r.IntN(len(cpuArchs))]
	t[4] = cpuOSes[r.IntN(len(cpuOSes))]
	t[7] = strconv.Itoa(r.IntN(cpuServiceChoices))
	t[8] = strconv.Itoa(r.IntN(cpuServiceVersionChoices))
	t[9] = cpuEnvironments[r.IntN(len(cpuEnvironments))]
	t[6] = cpuTeams[r.IntN(len(cpuTeams))]
	return t
}

// CPUConfig describes a cpu data set: Hosts hosts, each reporting Points
// readings at Start, Start+Interval, ….
type CPUConfig struct {
	// Seed drives tags and walks.
	Seed uint64
	// Hosts is the number of hosts, ids 0 … Hosts-1.
	Hosts int
	// Start is the time of the first readings, in Unix nanoseconds.
	Start int64
	// Interval is the time between two readings of a host, in nanoseconds.
	Interval int64
	// Points is the number of readings per host.
	Points int64
}

// Rows returns the number of rows of the data set.
func (c CPUConfig) Rows() int64 { return int64(c.Hosts) * c.Points }

// End returns the time just after the last readings: Start + Points·Interval.
func (c CPUConfig) End() int64 { return c.Start + c.Points*c.Interval }

// Validate reports a configuration the generator cannot use.
func (c CPUConfig) Validate() error {
	switch {
	case c.Hosts < 1:
		return fmt.Errorf("cpu data: hosts must be at least 1, not %d", c.Hosts)
	case c.Interval < 1:
		return fmt.Errorf("cpu data: interval must be positive, not %dns", c.Interval)
	case c.Points < 1:
		return fmt.Errorf("cpu data: points must be at least 1, not %d", c.Points)
	}
	return nil
}

// CPUPartHosts returns the host ids [lo, hi) that share part of parts holds:
// parts split the data set by host range.
func CPUPartHosts(hosts, part, parts int) (lo, hi int) {
	return int(int64(hosts) * int64(part) / int64(parts)), int(int64(hosts) * int64(part+1) / int64(parts))
}

// CPURow is one reading of one host.
type CPURow struct {
	// Host is the host id.
	Host int
	// Time is the reading's time in Unix nanoseconds.
	Time int64
	// Fields holds the values in CPUFieldNames order, each in [0, 100].
	Fields [CPUFields]float64
}

// cpuWalk is the state of one host's ten bounded random walks.
type cpuWalk struct {
	r     Rand
	units [CPUFields]int64
}

// init starts the walks of host id: each field uniform on the grid in
// [0, 100], as TSBS starts them uniform in [0, 100).
func (w *cpuWalk) init(seed uint64, id int) {
	w.r.Reset(seed, cpuWalkStream+uint64(id))
	for f := range w.units {
		w.units[f] = int64(w.r.Uint64N(cpuMaxUnits + 1))
	}
}

// step advances every field by a random step, clamped to [0, 100] as TSBS's
// clamped random walk does. A step is a centred sum of four 16-bit uniforms
// (Irwin–Hall, close to normal) times cpuStepScale units: integer
// arithmetic, so every machine computes the same values.
func (w *cpuWalk) step() {
	for f := range w.units {
		u := w.r.Uint64()
		s := int64(u&0xffff) + int64(u>>16&0xffff) + int64(u>>32&0xffff) + int64(u>>48)
		v := w.units[f] + (s-2*0xffff)*cpuStepScale
		if v < 0 {
			v = 0
		} else if v > cpuMaxUnits {
			v = cpuMaxUnits
		}
		w.units[f] = v
	}
}

func (w *cpuWalk) fill(dst *[CPUFields]float64) {
	for f, u := range w.units {
		dst[f] = float64(u) * (1.0 / cpuUnit) // exact: a power-of-two scaling
	}
}

// CPUInitial returns the first reading's fields of host id.
func CPUInitial(seed uint64, id int) [CPUFields]float64 {
	var w cpuWalk
	w.init(seed, id)
	var f [CPUFields]float64
	w.fill(&f)
	return f
}

// CPUGenerator streams the rows of one share of a cpu data set in time
// order: the readings of all its hosts at the first time (by ascending host
// id), then at the next, and so on. Each host's walk depends only on (seed,
// host), so a host's readings are the same whatever the share. It is not
// safe for concurrent use.
type CPUGenerator struct {
	cfg    CPUConfig
	lo, hi int
	walks  []cpuWalk
	point  int64 // index of the current time step
	host   int   // next host of the current step
}

// NewCPUGenerator returns a generator of share part of parts (hosts
// CPUPartHosts(cfg.Hosts, part, parts)). It panics on a configuration that
// fails Validate or a bad part: callers validate first.
func NewCPUGenerator(cfg CPUConfig, part, parts int) *CPUGenerator {
	if err := cfg.Validate(); err != nil {
		panic("gen: " + err.Error())
	}
	if parts < 1 || part < 0 || part >= parts {
		panic(fmt.Sprintf("gen: cpu part %d of %d", part, parts))
	}
	lo, hi := CPUPartHosts(cfg.Hosts, part, parts)
	g := &CPUGenerator{cfg: cfg, lo: lo, hi: hi, walks: make([]cpuWalk, hi-lo), host: lo}
	for i := range g.walks {
		g.walks[i].init(cfg.Seed, lo+i)
	}
	return g
}

// Hosts returns the host ids [lo, hi) of the generator's share.
func (g *CPUGenerator) Hosts() (lo, hi int) { return g.lo, g.hi }

// Rows returns the number of rows of the generator's share.
func (g *CPUGenerator) Rows() int64 { return int64(g.hi-g.lo) * g.cfg.Points }

// Next fills dst with the next rows and returns how many it filled; fewer
// than len(dst) only at the end of the share, and 0 once it is exhausted.
func (g *CPUGenerator) Next(dst []CPURow) int {
	if g.lo == g.hi {
		return 0
	}
	for i := range dst {
		if g.point >= g.cfg.Points {
			return i
		}
		w := &g.walks[g.host-g.lo]
		if g.point > 0 {
			w.step()
		}
		r := &dst[i]
		r.Host = g.host
		r.Time = g.cfg.Start + g.point*g.cfg.Interval
		w.fill(&r.Fields)
		g.host++
		if g.host == g.hi {
			g.host = g.lo
			g.point++
		}
	}
	return len(dst)
}
