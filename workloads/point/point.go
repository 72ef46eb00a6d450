package point

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// Config is the typed configuration of a point workload, named after YCSB's
// CoreWorkload properties.
type Config struct {
	Table                  string  `yaml:"table"`
	Records                int64   `yaml:"records"`
	FieldCount             int     `yaml:"fieldcount"`
	FieldLength            int     `yaml:"fieldlength"`
	RequestDistribution    string  `yaml:"requestdistribution"`
	ReadAllFields          bool    `yaml:"readallfields"`
	WriteAllFields         bool    `yaml:"writeallfields"`
	MinScanLength          int     `yaml:"minscanlength"`
	MaxScanLength          int     `yaml:"maxscanlength"`
	ScanLengthDistribution string  `yaml:"scanlengthdistribution"`
	InsertOrder            string  `yaml:"insertorder"`
	ZeroPadding            int     `yaml:"zeropadding"`
	HotspotDataFraction    float64 `yaml:"hotspotdatafraction"`
	HotspotOpnFraction     float64 `yaml:"hotspotopnfraction"`
	// ExponentialPercentile and ExponentialFrac shape the exponential
	// request distribution: that percentage of the reads fall on the
	// newest ExponentialFrac of the records.
	ExponentialPercentile float64 `yaml:"exponential.percentile"`
	ExponentialFrac       float64 `yaml:"exponential.frac"`
	ReadProportion        float64 `yaml:"readproportion"`
	UpdateProportion      float64 `yaml:"updateproportion"`
	InsertProportion      float64 `yaml:"insertproportion"`
	ScanProportion        float64 `yaml:"scanproportion"`
	RMWProportion         float64 `yaml:"readmodifywriteproportion"`
	// LoadBatch is the number of records per Store.Load call.
	LoadBatch int `yaml:"loadbatch"`
	// InsertHeadroom is YCSB's expectednewkeys: the zipfian chooser ranges
	// over key numbers 0 … Records+InsertHeadroom, bounds included as in
	// YCSB, and draws of keys not (yet) inserted are drawn again. When the
	// mix inserts and it is 0, it is max(Records/10, 1000); a YCSB property
	// file sets it as YCSB does, operationcount × insertproportion × 2.
	InsertHeadroom int64 `yaml:"insertheadroom"`
}

// Mixes are the operation mixes and request distributions of YCSB's core
// workloads a–f.
var mixes = map[string]struct {
	summary                         string
	read, update, insert, scan, rmw float64
	dist                            string
}{
	"a": {"update heavy: 50% read, 50% update, zipfian", 0.5, 0.5, 0, 0, 0, "zipfian"},
	"b": {"read mostly: 95% read, 5% update, zipfian", 0.95, 0.05, 0, 0, 0, "zipfian"},
	"c": {"read only: 100% read, zipfian", 1, 0, 0, 0, 0, "zipfian"},
	"d": {"read latest: 95% read, 5% insert, latest", 0.95, 0, 0.05, 0, 0, "latest"},
	"e": {"short ranges: 95% scan, 5% insert, zipfian", 0, 0, 0.05, 0.95, 0, "zipfian"},
	"f": {"read-modify-write: 50% read, 50% rmw, zipfian", 0.5, 0, 0, 0, 0.5, "zipfian"},
	// ycsb starts from CoreWorkload's own defaults, for YCSB property
	// files (storefit run -P) whose mix is none of a–f.
	"ycsb": {"CoreWorkload's defaults (95% read, 5% update, uniform), for YCSB property files: storefit run -P FILE", 0.95, 0.05, 0, 0, 0, "uniform"},
}

func init() {
	workloads.RegisterPattern("point", Supports)
	for _, v := range []string{"a", "b", "c", "d", "e", "f", "ycsb"} {
		summary := "YCSB " + v + ": " + mixes[v].summary
		if v == "ycsb" {
			summary = "YCSB " + mixes[v].summary
		}
		workloads.Register(workloads.Entry{
			Name:    "point/" + v,
			Summary: summary,
			New:     func(p workloads.Params) (workloads.Workload, error) { return New(v, p) },
		})
	}
}

// DefaultConfig returns the configuration of mix ("a" … "f", or "ycsb")
// at a scale.
func DefaultConfig(mix string, scale workloads.Scale) (Config, error) {
	m, ok := mixes[mix]
	if !ok {
		return Config{}, fmt.Errorf("unknown point mix %q (use a–f or ycsb)", mix)
	}
	maxScan := 100 // workloade's; CoreWorkload's own default is 1000
	if mix == "ycsb" {
		maxScan = 1000
	}
	records := int64(100_000)
	if scale == workloads.Full {
		records = 10_000_000
	}
	return Config{
		Table:                  "usertable",
		Records:                records,
		FieldCount:             10,
		FieldLength:            100,
		RequestDistribution:    m.dist,
		ReadAllFields:          true,
		WriteAllFields:         false,
		MinScanLength:          1,
		MaxScanLength:          maxScan,
		ScanLengthDistribution: "uniform",
		InsertOrder:            "hashed",
		ZeroPadding:            1,
		HotspotDataFraction:    0.2,
		HotspotOpnFraction:     0.8,
		ExponentialPercentile:  95,
		ExponentialFrac:        0.8571428571,
		ReadProportion:         m.read,
		UpdateProportion:       m.update,
		InsertProportion:       m.insert,
		ScanProportion:         m.scan,
		RMWProportion:          m.rmw,
		LoadBatch:              500,
	}, nil
}

func (c *Config) validate() error {
	switch {
	case c.Table == "":
		return errors.New("table must not be empty")
	case c.Records < 1:
		return fmt.Errorf("records must be at least 1, not %d", c.Records)
	case c.FieldCount < 1 || c.FieldCount > 1000:
		return fmt.Errorf("fieldcount must be in 1..1000, not %d", c.FieldCount)
	case c.FieldLength < 1 || c.FieldLength > 1<<20:
		return fmt.Errorf("fieldlength must be in 1..1048576, not %d", c.FieldLength)
	case c.MinScanLength < 1:
		return fmt.Errorf("minscanlength must be at least 1, not %d", c.MinScanLength)
	case c.MaxScanLength < c.MinScanLength:
		return fmt.Errorf("maxscanlength must be at least minscanlength (%d), not %d", c.MinScanLength, c.MaxScanLength)
	case c.LoadBatch < 1:
		return fmt.Errorf("loadbatch must be at least 1, not %d", c.LoadBatch)
	case c.InsertHeadroom < 0:
		return fmt.Errorf("insertheadroom must not be negative")
	case c.ZeroPadding < 0 || c.ZeroPadding > 20:
		return fmt.Errorf("zeropadding must be in 0..20")
	}
	switch c.RequestDistribution {
	case "zipfian", "uniform", "latest", "hotspot", "sequential", "exponential":
	default:
		return fmt.Errorf("requestdistribution %q unknown (use zipfian, uniform, latest, hotspot, sequential or exponential)", c.RequestDistribution)
	}
	if c.RequestDistribution == "exponential" {
		if !(c.ExponentialPercentile > 0 && c.ExponentialPercentile < 100) {
			return fmt.Errorf("exponential.percentile must be in (0, 100), not %v", c.ExponentialPercentile)
		}
		if !(c.ExponentialFrac > 0) {
			return fmt.Errorf("exponential.frac must be positive, not %v", c.ExponentialFrac)
		}
	}
	switch c.ScanLengthDistribution {
	case "uniform", "zipfian":
	default:
		return fmt.Errorf("scanlengthdistribution %q unknown (use uniform or zipfian)", c.ScanLengthDistribution)
	}
	switch c.InsertOrder {
	case "hashed", "ordered":
	default:
		return fmt.Errorf("insertorder %q unknown (use hashed or ordered)", c.InsertOrder)
	}
	for _, p := range []float64{c.ReadProportion, c.UpdateProportion, c.InsertProportion, c.ScanProportion, c.RMWProportion} {
		if p < 0 {
			return errors.New("proportions must not be negative")
		}
	}
	if c.ReadProportion+c.UpdateProportion+c.InsertProportion+c.ScanProportion+c.RMWProportion <= 0 {
		return errors.New("at least one operation proportion must be positive")
	}
	return nil
}

// Operation kinds, in a fixed order; a workload's OpKinds lists those its
// mix uses.
const (
	opRead = iota
	opUpdate
	opInsert
	opScan
	opRMW
	numOps
)

var opNames = [numOps]string{"read", "update", "insert", "scan", "rmw"}

// Workload is a point workload (one of YCSB a–f, possibly with settings
// changed).
type Workload struct {
	name  string
	seed  uint64
	cfg   Config
	kinds []string    // op kinds in the mix
	index [numOps]int // op → index in kinds, -1 when absent
	props [numOps]float64
	zetan float64 // zeta over the chooser's range, shared by workers
}

// New returns point workload mix ("a" … "f") with params applied.
func New(mix string, p workloads.Params) (*Workload, error) {
	cfg, err := DefaultConfig(mix, p.Scale)
	if err != nil {
		return nil, err
	}
	if err := workloads.DecodeOptions(p.Options, &cfg); err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	w := &Workload{name: "point/" + mix, seed: p.Seed, cfg: cfg}
	w.props = [numOps]float64{cfg.ReadProportion, cfg.UpdateProportion, cfg.InsertProportion, cfg.ScanProportion, cfg.RMWProportion}
	for op := range numOps {
		w.index[op] = -1
		if w.props[op] > 0 {
			w.index[op] = len(w.kinds)
			w.kinds = append(w.kinds, opNames[op])
		}
	}
	if cfg.InsertProportion > 0 && cfg.InsertHeadroom == 0 {
		w.cfg.InsertHeadroom = max(cfg.Records/10, 1000)
	}
	if d := w.cfg.RequestDistribution; d == "zipfian" && w.cfg.InsertProportion > 0 {
		// Scrambled zipfian uses a precomputed zeta; nothing to share.
	} else if d == "latest" {
		// YCSB's SkewedLatestGenerator starts with a zipfian over
		// recordcount-1 items (the newest key number).
		w.zetan = gen.Zeta(0, max(w.cfg.Records-1, 1), gen.ZipfianConstant, 0)
	}
	return w, nil
}

// Name returns "point/<mix>".
func (w *Workload) Name() string { return w.name }

// Pattern returns "point".
func (w *Workload) Pattern() string { return "point" }

// Config returns the effective configuration.
func (w *Workload) Config() Config { return w.cfg }

// Records returns the number of records loaded.
func (w *Workload) Records() int64 { return w.cfg.Records }

// OpKinds returns the operation kinds of the mix.
func (w *Workload) OpKinds() []string { return w.kinds }

// Settings returns the effective settings for results.
func (w *Workload) Settings() map[string]any {
	c := w.cfg
	m := map[string]any{
		"table": c.Table, "records": c.Records, "fieldcount": c.FieldCount, "fieldlength": c.FieldLength,
		"requestdistribution": c.RequestDistribution, "readallfields": c.ReadAllFields,
		"writeallfields": c.WriteAllFields, "insertorder": c.InsertOrder, "loadbatch": c.LoadBatch,
	}
	props := map[string]float64{"readproportion": c.ReadProportion, "updateproportion": c.UpdateProportion,
		"insertproportion": c.InsertProportion, "scanproportion": c.ScanProportion, "readmodifywriteproportion": c.RMWProportion}
	for k, v := range props {
		if v > 0 {
			m[k] = v
		}
	}
	if c.ScanProportion > 0 {
		m["minscanlength"] = c.MinScanLength
		m["maxscanlength"] = c.MaxScanLength
		m["scanlengthdistribution"] = c.ScanLengthDistribution
	}
	if c.InsertProportion > 0 {
		m["insertheadroom"] = c.InsertHeadroom
	}
	if c.RequestDistribution == "exponential" {
		maps.Copy(m, map[string]any{"exponential.percentile": c.ExponentialPercentile, "exponential.frac": c.ExponentialFrac})
	}
	if c.RequestDistribution == "hotspot" {
		maps.Copy(m, map[string]any{"hotspotdatafraction": c.HotspotDataFraction, "hotspotopnfraction": c.HotspotOpnFraction})
	}
	return m
}

func (w *Workload) schema() Schema {
	return Schema{Table: w.cfg.Table, FieldCount: w.cfg.FieldCount, FieldLength: w.cfg.FieldLength}
}

func (w *Workload) store(c drivers.Conn) (Store, error) {
	p, ok := c.(Provider)
	if !ok {
		return nil, fmt.Errorf("point pattern: %w", drivers.ErrUnsupported)
	}
	s, err := p.PointStore(w.schema())
	if err != nil {
		return nil, fmt.Errorf("point store: %w", err)
	}
	if w.props[opScan] > 0 {
		if _, ok := s.(Scanner); !ok {
			return nil, fmt.Errorf("point scans (unordered keys): %w", drivers.ErrUnsupported)
		}
	}
	return s, nil
}

// AppendKey appends the key of key number n to dst.
func (w *Workload) AppendKey(dst []byte, n int64) []byte {
	return gen.AppendYCSBKey(dst, n, w.cfg.InsertOrder == "hashed", w.cfg.ZeroPadding)
}

// AppendValue appends the value of field f of key number n at version v.
func (w *Workload) AppendValue(dst []byte, n int64, f int, v uint64) []byte {
	return gen.AppendValue(dst, w.cfg.FieldLength, w.seed, n, f, v)
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

// PartRange returns the key numbers [lo, hi) that part of parts loads.
func PartRange(records int64, part, parts int) (lo, hi int64) {
	return records * int64(part) / int64(parts), records * int64(part+1) / int64(parts)
}

// Load inserts the records of share part of parts in batches.
func (w *Workload) Load(ctx context.Context, c drivers.Conn, part, parts int, p workloads.Progress) error {
	s, err := w.store(c)
	if err != nil {
		return err
	}
	lo, hi := PartRange(w.cfg.Records, part, parts)
	batch := make([]Record, 0, w.cfg.LoadBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.Load(ctx, batch); err != nil {
			return fmt.Errorf("load %s records %s…: %w", w.cfg.Table, batch[0].Key, err)
		}
		p.Add(int64(len(batch)))
		batch = batch[:0]
		return nil
	}
	for n := lo; n < hi; n++ {
		batch = batch[:len(batch)+1]
		r := &batch[len(batch)-1]
		r.Key = w.AppendKey(r.Key[:0], n)
		r.Values = Grow(r.Values, w.cfg.FieldCount)
		for f := range r.Values {
			r.Values[f] = w.AppendValue(r.Values[f][:0], n, f, 0)
		}
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
