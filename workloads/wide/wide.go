package wide

import (
	"context"
	"errors"
	"fmt"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// Config is the typed configuration of a wide workload.
type Config struct {
	// Table is the table name.
	Table string `yaml:"table"`
	// Rows is the number of rows (users) loaded: ids 0 … Rows-1.
	Rows int64 `yaml:"rows"`
	// Columns is the size of the column universe, 1..1000.
	Columns int `yaml:"columns"`
	// MeanColumns is the mean number of columns a loaded row sets: 1 +
	// Poisson(MeanColumns-1), at most max(1, Columns/4) on average.
	MeanColumns float64 `yaml:"meancolumns"`
	// ColumnSkew is the Zipf exponent of column popularity (column c is
	// drawn with probability proportional to 1/(c+1)^ColumnSkew).
	ColumnSkew float64 `yaml:"columnskew"`
	// ValueLength is the length of every value in bytes.
	ValueLength int `yaml:"valuelength"`
	// RequestDistribution chooses the row of an operation: "zipfian"
	// (scrambled, as YCSB's) or "uniform".
	RequestDistribution string `yaml:"requestdistribution"`
	// ReadColumns is the number of named columns a read-columns operation
	// asks for (drawn uniformly from the universe, so most are absent).
	ReadColumns int `yaml:"readcolumns"`
	// SetColumns is the number of columns a set operation writes (drawn by
	// popularity).
	SetColumns int `yaml:"setcolumns"`
	// Operation proportions; they need not sum to 1.
	ReadRowProportion     float64 `yaml:"readrowproportion"`
	ReadColumnsProportion float64 `yaml:"readcolumnsproportion"`
	SetProportion         float64 `yaml:"setproportion"`
	DeleteProportion      float64 `yaml:"deleteproportion"`
	CountProportion       float64 `yaml:"countproportion"`
	// LoadBatch is the number of rows per Store.LoadRows call.
	LoadBatch int `yaml:"loadbatch"`
}

// variants are the registered wide workloads: mix is WORKLOADS.md's mix,
// rows the same without the count, its other proportions renormalized.
var variants = map[string]struct {
	summary string
	count   float64
}{
	"mix":  {"sparse prefs: 40% read row, 30% read 5 columns, 20% set 3, 5% delete 1, 5% count rows with a column", 0.05},
	"rows": {"sparse prefs without counts: read row, read 5 columns, set 3, delete 1 (40:30:20:5)", 0},
}

func init() {
	workloads.RegisterPattern("wide", Supports)
	for _, v := range []string{"mix", "rows"} {
		workloads.Register(workloads.Entry{
			Name:    "wide/" + v,
			Summary: variants[v].summary,
			New:     func(p workloads.Params) (workloads.Workload, error) { return New(v, p) },
		})
	}
}

// DefaultConfig returns the configuration of variant ("mix" or "rows") at
// a scale.
func DefaultConfig(variant string, scale workloads.Scale) (Config, error) {
	v, ok := variants[variant]
	if !ok {
		return Config{}, fmt.Errorf("unknown wide variant %q (use mix or rows)", variant)
	}
	rows := scale.Size(10_000, 10_000_000, 1)
	return Config{
		Table:                 "prefs",
		Rows:                  rows,
		Columns:               1000,
		MeanColumns:           20,
		ColumnSkew:            1,
		ValueLength:           12,
		RequestDistribution:   "zipfian",
		ReadColumns:           5,
		SetColumns:            3,
		ReadRowProportion:     0.40,
		ReadColumnsProportion: 0.30,
		SetProportion:         0.20,
		DeleteProportion:      0.05,
		CountProportion:       v.count,
		LoadBatch:             500,
	}, nil
}

func (c *Config) prefs() gen.PrefsConfig {
	return gen.PrefsConfig{Columns: c.Columns, MeanColumns: c.MeanColumns, Skew: c.ColumnSkew, ValueLength: c.ValueLength}
}

func (c *Config) validate() error {
	switch {
	case c.Table == "":
		return errors.New("table must not be empty")
	case c.Rows < 1 || c.Rows > 1<<40:
		return fmt.Errorf("rows must be in 1..2^40, not %d", c.Rows)
	case c.Columns < 1 || c.Columns > gen.PrefsMaxColumns:
		return fmt.Errorf("columns must be in 1..%d, not %d", gen.PrefsMaxColumns, c.Columns)
	case !(c.MeanColumns >= 1 && c.MeanColumns <= max(1, float64(c.Columns)/4)):
		return fmt.Errorf("meancolumns must be in 1..%g (a quarter of the columns), not %g", max(1, float64(c.Columns)/4), c.MeanColumns)
	case !(c.ColumnSkew > 0 && c.ColumnSkew <= 10):
		return fmt.Errorf("columnskew must be in (0, 10], not %g", c.ColumnSkew)
	case c.ValueLength < 1 || c.ValueLength > 1024:
		return fmt.Errorf("valuelength must be in 1..1024, not %d", c.ValueLength)
	case c.ReadColumns < 1 || c.ReadColumns > c.Columns:
		return fmt.Errorf("readcolumns must be in 1..columns (%d), not %d", c.Columns, c.ReadColumns)
	case c.SetColumns < 1 || c.SetColumns > c.Columns:
		return fmt.Errorf("setcolumns must be in 1..columns (%d), not %d", c.Columns, c.SetColumns)
	case c.LoadBatch < 1:
		return fmt.Errorf("loadbatch must be at least 1, not %d", c.LoadBatch)
	}
	switch c.RequestDistribution {
	case "zipfian", "uniform":
	default:
		return fmt.Errorf("requestdistribution %q unknown (use zipfian or uniform)", c.RequestDistribution)
	}
	props := []float64{c.ReadRowProportion, c.ReadColumnsProportion, c.SetProportion, c.DeleteProportion, c.CountProportion}
	sum := 0.0
	for _, p := range props {
		if !(p >= 0) {
			return errors.New("proportions must not be negative")
		}
		sum += p
	}
	if sum <= 0 {
		return errors.New("at least one operation proportion must be positive")
	}
	return nil
}

// Operation kinds, in a fixed order; a workload's OpKinds lists those its
// mix uses.
const (
	opReadRow = iota
	opReadColumns
	opSet
	opDelete
	opCount
	numOps
)

var opNames = [numOps]string{"read_row", "read_columns", "set_columns", "delete_column", "count"}

// Workload is a wide workload.
type Workload struct {
	name  string
	seed  uint64
	cfg   Config
	gen   *gen.Prefs
	kinds []string    // op kinds in the mix
	index [numOps]int // op → index in kinds, -1 when absent
	props [numOps]float64
}

var (
	_ workloads.Workload     = (*Workload)(nil)
	_ workloads.ValueCounter = (*Workload)(nil)
)

// New returns wide workload variant ("mix" or "rows") with params applied.
func New(variant string, p workloads.Params) (*Workload, error) {
	cfg, err := DefaultConfig(variant, p.Scale)
	if err != nil {
		return nil, err
	}
	if err := workloads.DecodeOptions(p.Options, &cfg); err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	g, err := gen.NewPrefs(p.Seed, cfg.prefs())
	if err != nil {
		return nil, err
	}
	w := &Workload{name: "wide/" + variant, seed: p.Seed, cfg: cfg, gen: g}
	w.props = [numOps]float64{cfg.ReadRowProportion, cfg.ReadColumnsProportion, cfg.SetProportion, cfg.DeleteProportion, cfg.CountProportion}
	for op := range numOps {
		w.index[op] = -1
		if w.props[op] > 0 {
			w.index[op] = len(w.kinds)
			w.kinds = append(w.kinds, opNames[op])
		}
	}
	return w, nil
}

// Name returns "wide/<variant>".
func (w *Workload) Name() string { return w.name }

// Pattern returns "wide".
func (w *Workload) Pattern() string { return "wide" }

// Config returns the effective configuration.
func (w *Workload) Config() Config { return w.cfg }

// Schema returns the table the workload uses.
func (w *Workload) Schema() Schema {
	return Schema{Table: w.cfg.Table, Columns: w.cfg.Columns, ValueLength: w.cfg.ValueLength, Uncounted: w.props[opCount] == 0}
}

// Records returns the number of rows loaded.
func (w *Workload) Records() int64 { return w.cfg.Rows }

// ValuesPerRow returns the expected number of columns a loaded row sets.
func (w *Workload) ValuesPerRow() float64 { return w.cfg.MeanColumns }

// OpKinds returns the operation kinds of the mix.
func (w *Workload) OpKinds() []string { return w.kinds }

// Settings returns the effective settings for results.
func (w *Workload) Settings() map[string]any {
	c := w.cfg
	m := map[string]any{
		"table": c.Table, "rows": c.Rows, "columns": c.Columns, "meancolumns": c.MeanColumns,
		"columnskew": c.ColumnSkew, "valuelength": c.ValueLength, "requestdistribution": c.RequestDistribution,
		"loadbatch": c.LoadBatch,
	}
	names := [numOps]string{"readrowproportion", "readcolumnsproportion", "setproportion", "deleteproportion", "countproportion"}
	for op, p := range w.props {
		if p > 0 {
			m[names[op]] = p
		}
	}
	if w.props[opReadColumns] > 0 {
		m["readcolumns"] = c.ReadColumns
	}
	if w.props[opSet] > 0 {
		m["setcolumns"] = c.SetColumns
	}
	return m
}

// store returns c's store for the workload; with counts in the mix, a store
// without Counter is unsupported.
func (w *Workload) store(c drivers.Conn) (Store, error) {
	p, ok := c.(Provider)
	if !ok {
		return nil, fmt.Errorf("wide pattern: %w", drivers.ErrUnsupported)
	}
	s, err := p.WideStore(w.Schema())
	if err != nil {
		return nil, fmt.Errorf("wide store: %w", err)
	}
	if w.props[opCount] > 0 {
		if _, ok := s.(Counter); !ok {
			return nil, fmt.Errorf("wide counts (no column index; run wide/rows instead): %w", drivers.ErrUnsupported)
		}
	}
	return s, nil
}

// Generator returns the workload's data generator.
func (w *Workload) Generator() *gen.Prefs { return w.gen }

// AppendValue appends the value of column col of row id at version v to dst
// (loaded data is version 0).
func (w *Workload) AppendValue(dst []byte, id int64, col int, v uint64) []byte {
	return w.gen.AppendValue(dst, id, col, v)
}

// FillRow overwrites r with row id as loaded, reusing its slices.
func (w *Workload) FillRow(r *Row, id int64) {
	r.ID = id
	r.Cols = w.gen.RowColumns(r.Cols[:0], id)
	r.Values = Grow(r.Values, len(r.Cols))
	for i, c := range r.Cols {
		r.Values[i] = w.gen.AppendValue(r.Values[i][:0], id, c, 0)
	}
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

// PartRange returns the row ids [lo, hi) that part of parts loads.
func PartRange(rows int64, part, parts int) (lo, hi int64) {
	return rows * int64(part) / int64(parts), rows * int64(part+1) / int64(parts)
}

// Load inserts the rows of share part of parts in batches.
func (w *Workload) Load(ctx context.Context, c drivers.Conn, part, parts int, p workloads.Progress) error {
	s, err := w.store(c)
	if err != nil {
		return err
	}
	if parts < 1 || part < 0 || part >= parts {
		return fmt.Errorf("wide load: part %d of %d", part, parts)
	}
	lo, hi := PartRange(w.cfg.Rows, part, parts)
	batch := make([]Row, 0, w.cfg.LoadBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.LoadRows(ctx, batch); err != nil {
			return fmt.Errorf("load %s rows %d…%d: %w", w.cfg.Table, batch[0].ID, batch[len(batch)-1].ID, err)
		}
		p.Add(int64(len(batch)))
		batch = batch[:0]
		return nil
	}
	for id := lo; id < hi; id++ {
		batch = batch[:len(batch)+1]
		w.FillRow(&batch[len(batch)-1], id)
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
