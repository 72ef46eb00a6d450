package series

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// Config is the typed configuration of a series workload. Zero durations of
// the query windows and buckets mean "derived from the data" (see doc.go);
// the effective values are in Workload.Config and Settings.
type Config struct {
	// Table is the measurement name.
	Table string `yaml:"table"`
	// Hosts is the number of hosts (TSBS's --scale).
	Hosts int `yaml:"hosts"`
	// Duration is the time span of the data: every host reports
	// Duration/Interval readings.
	Duration time.Duration `yaml:"duration"`
	// Interval is the time between two readings of a host.
	Interval time.Duration `yaml:"interval"`
	// Start is the time of the first readings, RFC 3339.
	Start string `yaml:"start"`
	// Records, when positive, overrides Duration: every host reports
	// max(1, Records/Hosts) readings (--records).
	Records int64 `yaml:"records"`
	// LoadBatch is the number of rows per Store.LoadRows call.
	LoadBatch int `yaml:"loadbatch"`
	// Queries lists the TSBS query names of the mix, comma-separated; each
	// gets the same share of operations.
	Queries string `yaml:"queries"`
	// GroupByWindow is the window of single-groupby-*; 1 h as in TSBS
	// (capped at the data's span).
	GroupByWindow time.Duration `yaml:"groupbywindow"`
	// GroupByBucket is the bucket width of single-groupby-*.
	GroupByBucket time.Duration `yaml:"groupbybucket"`
	// DoubleGroupByWindow is the window of double-groupby-1: 12 h as in
	// TSBS, capped at half the data's span.
	DoubleGroupByWindow time.Duration `yaml:"doublegroupbywindow"`
	// DoubleGroupByBucket is the bucket width of double-groupby-1: 1 h as
	// in TSBS for a 12 h window, the window / 12 in general.
	DoubleGroupByBucket time.Duration `yaml:"doublegroupbybucket"`
	// MaxAllWindow is the window of cpu-max-all-8: 8 h as in TSBS, capped
	// at the data's span.
	MaxAllWindow time.Duration `yaml:"maxallwindow"`
	// MaxAllBucket is the bucket width of cpu-max-all-8: 1 h as in TSBS
	// for an 8 h window, the window / 8 in general.
	MaxAllBucket time.Duration `yaml:"maxallbucket"`
	// HighCPUWindow is the window of high-cpu-1: 12 h as in TSBS, capped at
	// half the data's span.
	HighCPUWindow time.Duration `yaml:"highcpuwindow"`
	// HighCPUThreshold is the usage_user bound of high-cpu-1.
	HighCPUThreshold float64 `yaml:"highcputhreshold"`
	// LimitBucket is the bucket width of groupby-orderby-limit.
	LimitBucket time.Duration `yaml:"limitbucket"`
	// Limit is the number of buckets groupby-orderby-limit returns.
	Limit int `yaml:"limit"`
}

// The queries of the mix, named as TSBS names them, in a fixed order; an
// operation's kind indexes the workload's OpKinds, which lists the enabled
// ones in this order.
const (
	qSingle111    = iota // single-groupby-1-1-1
	qSingle581           // single-groupby-5-8-1
	qDouble1             // double-groupby-1
	qHighCPU1            // high-cpu-1
	qLastpoint           // lastpoint
	qGroupByLimit        // groupby-orderby-limit
	qDoubleAll           // double-groupby-all
	qMaxAll8             // cpu-max-all-8
	numQueries
)

// mixQueries is the number of queries of the default mix: the six first,
// TSBS's classic set. The others read every field of many hosts, for
// sweeps over thousands of hosts and days of data.
const mixQueries = qGroupByLimit + 1

// QueryNames are the TSBS names of the queries a series mix can hold.
var QueryNames = [numQueries]string{
	"single-groupby-1-1-1",
	"single-groupby-5-8-1",
	"double-groupby-1",
	"high-cpu-1",
	"lastpoint",
	"groupby-orderby-limit",
	"double-groupby-all",
	"cpu-max-all-8",
}

var querySummaries = [numQueries]string{
	"max of usage_user of 1 host per 5 min over 1 h",
	"max of 5 fields of 8 hosts per 5 min over 1 h",
	"mean of usage_user per host per hour over 12 h (scaled to the data)",
	"readings of 1 host with usage_user > 90 in 12 h (scaled to the data)",
	"latest reading of every host",
	"max usage_user per minute, 5 latest minutes before a random time",
	"mean of all 10 fields per host per hour over 12 h (scaled to the data)",
	"max of all 10 fields of 8 hosts per hour over 8 h (scaled to the data)",
}

func init() {
	workloads.RegisterPattern("series", Supports)
	workloads.Register(workloads.Entry{
		Name:    "series/mix",
		Summary: "TSBS cpu-only: the six classic TSBS queries in equal shares",
		New:     func(p workloads.Params) (workloads.Workload, error) { return New("mix", p) },
	})
	for q, name := range QueryNames {
		workloads.Register(workloads.Entry{
			Name:    "series/" + name,
			Summary: "TSBS cpu-only " + name + ": " + querySummaries[q],
			New:     func(p workloads.Params) (workloads.Workload, error) { return New(name, p) },
		})
	}
}

// DefaultStart is the time of the first readings, TSBS's default
// --timestamp-start.
const DefaultStart = "2016-01-01T00:00:00Z"

// DefaultConfig returns the configuration of variant ("mix" or a TSBS query
// name) at a scale: quick 100 hosts × 1 h, full 4 000 hosts × 24 h, one
// reading per host every 10 s.
func DefaultConfig(variant string, scale workloads.Scale) (Config, error) {
	queries := strings.Join(QueryNames[:mixQueries], ",")
	if variant != "mix" {
		if queryIndex(variant) < 0 {
			return Config{}, fmt.Errorf("unknown series variant %q (use mix or one of %s)", variant, queries)
		}
		queries = variant
	}
	cfg := Config{
		Table:            "cpu",
		Hosts:            100,
		Duration:         time.Hour,
		Interval:         10 * time.Second,
		Start:            DefaultStart,
		LoadBatch:        10_000, // TSBS's default --batch-size
		Queries:          queries,
		GroupByBucket:    5 * time.Minute,
		HighCPUThreshold: 90,
		LimitBucket:      time.Minute,
		Limit:            5,
	}
	cfg.Hosts, cfg.Duration = sizeAt(scale, cfg.Interval)
	return cfg, nil
}

// fullFactor is the factor of full scale relative to quick: 4 000 hosts ×
// 24 h against 100 hosts × 1 h.
const fullFactor = 4000 * 24 / 100

// sizeAt returns the hosts and the time span at a scale: 100 hosts × 1 h at
// quick, 4 000 × 24 h at full (factor 960), and for other factors the
// growth split between them along the power laws through both, hosts
// 100·f^0.537 and span 1 h·f^0.463 (rounded to whole hosts and whole
// intervals), so rows grow as the factor.
func sizeAt(scale workloads.Scale, interval time.Duration) (hosts int, span time.Duration) {
	if scale == workloads.Full {
		return 4000, 24 * time.Hour
	}
	h := max(1, int(math.Round(scale.Curve(100, 4000, fullFactor))))
	n := max(1, int64(math.Round(scale.Curve(float64(time.Hour/interval), float64(24*time.Hour/interval), fullFactor))))
	return h, time.Duration(n) * interval
}

func queryIndex(name string) int {
	for q, n := range QueryNames {
		if n == name {
			return q
		}
	}
	return -1
}

// parseQueries returns the query indexes a comma-separated list names, in
// the fixed order.
func parseQueries(list string) ([]int, error) {
	var on [numQueries]bool
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		q := queryIndex(name)
		if q < 0 {
			return nil, fmt.Errorf("queries: unknown query %q (use %s)", name, strings.Join(QueryNames[:], ", "))
		}
		on[q] = true
	}
	var qs []int
	for q, ok := range on {
		if ok {
			qs = append(qs, q)
		}
	}
	if len(qs) == 0 {
		return nil, errors.New("queries: no query named")
	}
	return qs, nil
}

// resolve checks the configuration, fills the derived values and returns
// the data set it describes.
func (c *Config) resolve(seed uint64) (gen.CPUConfig, error) {
	var data gen.CPUConfig
	switch {
	case c.Table == "":
		return data, errors.New("table must not be empty")
	case c.Hosts < 1 || c.Hosts > 10_000_000:
		return data, fmt.Errorf("hosts must be in 1..10000000, not %d", c.Hosts)
	case c.Interval <= 0:
		return data, fmt.Errorf("interval must be positive, not %v", c.Interval)
	case c.Records < 0:
		return data, fmt.Errorf("records must not be negative, not %d", c.Records)
	case c.Records == 0 && c.Duration < c.Interval:
		return data, fmt.Errorf("duration %v must be at least one interval (%v)", c.Duration, c.Interval)
	case c.LoadBatch < 1:
		return data, fmt.Errorf("loadbatch must be at least 1, not %d", c.LoadBatch)
	case c.Limit < 1:
		return data, fmt.Errorf("limit must be at least 1, not %d", c.Limit)
	case math.IsNaN(c.HighCPUThreshold) || math.IsInf(c.HighCPUThreshold, 0):
		return data, fmt.Errorf("highcputhreshold must be a number, not %v", c.HighCPUThreshold)
	}
	start, err := time.Parse(time.RFC3339Nano, c.Start)
	if err != nil {
		return data, fmt.Errorf("start %q: not an RFC 3339 time: %w", c.Start, err)
	}
	points := int64(c.Duration / c.Interval)
	if c.Records > 0 {
		points = max(1, c.Records/int64(c.Hosts))
	}
	span := time.Duration(points) * c.Interval
	if points > math.MaxInt64/int64(c.Hosts) || span/c.Interval != time.Duration(points) {
		return data, errors.New("data set too large")
	}
	c.Duration = span
	if _, err := parseQueries(c.Queries); err != nil {
		return data, err
	}
	// Derived windows and buckets; explicit ones must fit in the data.
	half := max(span/2, time.Second)
	derive := func(name string, v *time.Duration, def time.Duration) error {
		if *v == 0 {
			*v = def
		}
		if *v < 0 {
			return fmt.Errorf("%s must be positive, not %v", name, *v)
		}
		return nil
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"groupbywindow", &c.GroupByWindow, min(time.Hour, span)},
		{"groupbybucket", &c.GroupByBucket, 5 * time.Minute},
		{"doublegroupbywindow", &c.DoubleGroupByWindow, min(12*time.Hour, half)},
		{"highcpuwindow", &c.HighCPUWindow, min(12*time.Hour, half)},
		{"limitbucket", &c.LimitBucket, time.Minute},
	} {
		if err := derive(d.name, d.v, d.def); err != nil {
			return data, err
		}
	}
	if err := derive("doublegroupbybucket", &c.DoubleGroupByBucket, max(c.DoubleGroupByWindow/12, time.Second)); err != nil {
		return data, err
	}
	if err := derive("maxallwindow", &c.MaxAllWindow, min(8*time.Hour, span)); err != nil {
		return data, err
	}
	if err := derive("maxallbucket", &c.MaxAllBucket, max(c.MaxAllWindow/8, time.Second)); err != nil {
		return data, err
	}
	for _, w := range []struct {
		name string
		v    time.Duration
	}{{"groupbywindow", c.GroupByWindow}, {"doublegroupbywindow", c.DoubleGroupByWindow}, {"highcpuwindow", c.HighCPUWindow}, {"maxallwindow", c.MaxAllWindow}} {
		if w.v > max(span, time.Second) {
			return data, fmt.Errorf("%s %v is longer than the data (%v)", w.name, w.v, span)
		}
	}
	data = gen.CPUConfig{Seed: seed, Hosts: c.Hosts, Start: start.UnixNano(), Interval: int64(c.Interval), Points: points}
	return data, data.Validate()
}

// Workload is a series workload: TSBS cpu-only data and a mix of TSBS
// queries.
type Workload struct {
	name      string
	seed      uint64
	cfg       Config
	data      gen.CPUConfig
	queries   []int           // enabled queries, in the fixed order
	kinds     []string        // their names: OpKinds
	kindOf    [numQueries]int // query → index in kinds, -1 when absent
	hostnames []string        // by host id
}

// New returns series workload variant ("mix" or a TSBS query name) with
// params applied.
func New(variant string, p workloads.Params) (*Workload, error) {
	cfg, err := DefaultConfig(variant, p.Scale)
	if err != nil {
		return nil, err
	}
	if err := workloads.DecodeOptions(p.Options, &cfg); err != nil {
		return nil, err
	}
	data, err := cfg.resolve(p.Seed)
	if err != nil {
		return nil, err
	}
	w := &Workload{name: "series/" + variant, seed: p.Seed, cfg: cfg, data: data}
	w.queries, _ = parseQueries(cfg.Queries)
	for q := range w.kindOf {
		w.kindOf[q] = -1
	}
	for _, q := range w.queries {
		w.kindOf[q] = len(w.kinds)
		w.kinds = append(w.kinds, QueryNames[q])
	}
	w.hostnames = make([]string, cfg.Hosts)
	for id := range w.hostnames {
		w.hostnames[id] = gen.CPUHostName(id)
	}
	return w, nil
}

// Name returns "series/<variant>".
func (w *Workload) Name() string { return w.name }

// Pattern returns "series".
func (w *Workload) Pattern() string { return "series" }

// Config returns the effective configuration (derived values filled in).
func (w *Workload) Config() Config { return w.cfg }

// Data returns the generator configuration of the data set.
func (w *Workload) Data() gen.CPUConfig { return w.data }

// Records returns the number of rows loaded: hosts × readings per host.
func (w *Workload) Records() int64 { return w.data.Rows() }

// ValuesPerRow returns 10: every row carries ten field values.
func (w *Workload) ValuesPerRow() float64 { return NumFields }

// OpKinds returns the TSBS names of the queries in the mix.
func (w *Workload) OpKinds() []string { return w.kinds }

// Settings returns the effective settings for results.
func (w *Workload) Settings() map[string]any {
	c := w.cfg
	m := map[string]any{
		"table": c.Table, "hosts": c.Hosts, "duration": c.Duration.String(), "interval": c.Interval.String(),
		"start": c.Start, "points_per_host": w.data.Points, "loadbatch": c.LoadBatch, "queries": strings.Join(w.kinds, ","),
		"groupbywindow": c.GroupByWindow.String(), "groupbybucket": c.GroupByBucket.String(),
		"doublegroupbywindow": c.DoubleGroupByWindow.String(), "doublegroupbybucket": c.DoubleGroupByBucket.String(),
		"highcpuwindow": c.HighCPUWindow.String(), "highcputhreshold": c.HighCPUThreshold,
		"limitbucket": c.LimitBucket.String(), "limit": c.Limit,
	}
	if w.kindOf[qMaxAll8] >= 0 {
		m["maxallwindow"], m["maxallbucket"] = c.MaxAllWindow.String(), c.MaxAllBucket.String()
	}
	return m
}

// Host returns host id with its tags.
func (w *Workload) Host(id int) Host {
	return Host{ID: id, Tags: gen.CPUHostTags(w.seed, id)}
}

func (w *Workload) store(c drivers.Conn) (Store, error) {
	p, ok := c.(Provider)
	if !ok {
		return nil, fmt.Errorf("series pattern: %w", drivers.ErrUnsupported)
	}
	s, err := p.SeriesStore(Schema{Table: w.cfg.Table})
	if err != nil {
		return nil, fmt.Errorf("series store: %w", err)
	}
	return s, nil
}

// Setup creates the table.
func (w *Workload) Setup(ctx context.Context, c drivers.Conn) error {
	s, err := w.store(c)
	if err != nil {
		return err
	}
	if err := s.Setup(ctx); err != nil {
		return fmt.Errorf("setup %s: %w", w.cfg.Table, err)
	}
	return nil
}

// Load writes the readings of share part of parts (a host range) in time
// order, in batches of loadbatch rows.
func (w *Workload) Load(ctx context.Context, c drivers.Conn, part, parts int, p workloads.Progress) error {
	s, err := w.store(c)
	if err != nil {
		return err
	}
	g := gen.NewCPUGenerator(w.data, part, parts)
	lo, hi := g.Hosts()
	hosts := make([]Host, hi-lo)
	for i := range hosts {
		hosts[i] = w.Host(lo + i)
	}
	raw := make([]gen.CPURow, w.cfg.LoadBatch)
	batch := make([]Row, w.cfg.LoadBatch)
	for {
		n := g.Next(raw)
		if n == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for i, r := range raw[:n] {
			batch[i] = Row{Host: &hosts[r.Host-lo], Time: time.Unix(0, r.Time).UTC(), Fields: r.Fields}
		}
		if err := s.LoadRows(ctx, batch[:n]); err != nil {
			return fmt.Errorf("load %s rows of hosts %d…%d at %s: %w", w.cfg.Table, lo, hi-1, batch[0].Time.Format(time.RFC3339), err)
		}
		p.Add(int64(n))
	}
}
