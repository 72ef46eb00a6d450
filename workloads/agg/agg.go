package agg

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// Config is the typed configuration of an agg workload.
type Config struct {
	// Table is the name of the sales table.
	Table string `yaml:"table"`
	// Records is the number of sales rows.
	Records int64 `yaml:"records"`
	// Regions is the number of region codes.
	Regions int `yaml:"regions"`
	// Categories is the number of category codes.
	Categories int `yaml:"categories"`
	// Products is the number of products.
	Products int64 `yaml:"products"`
	// Customers is the number of customers.
	Customers int64 `yaml:"customers"`
	// MaxQuantity is the largest quantity of a sale (quantities are
	// uniform over 1 … MaxQuantity).
	MaxQuantity int64 `yaml:"maxquantity"`
	// ProductSkew is the exponent of the Zipf law of product popularity.
	ProductSkew float64 `yaml:"productskew"`
	// Year is the calendar year (UTC) the sales are spread over.
	Year int `yaml:"year"`
	// WindowDays is the length of Q3's time window in days.
	WindowDays int `yaml:"windowdays"`
	// TopK is the number of products Q3 asks for.
	TopK int `yaml:"topk"`
	// Q1Proportion … Q5Proportion are the weights of the queries in the mix
	// (they need not sum to 1).
	Q1Proportion float64 `yaml:"q1proportion"`
	Q2Proportion float64 `yaml:"q2proportion"`
	Q3Proportion float64 `yaml:"q3proportion"`
	Q4Proportion float64 `yaml:"q4proportion"`
	Q5Proportion float64 `yaml:"q5proportion"`
	// LoadBatch is the number of rows per Store.Load call.
	LoadBatch int `yaml:"loadbatch"`
}

// Operation kinds, in the order of the queries.
const (
	opQ1 = iota
	opQ2
	opQ3
	opQ4
	opQ5
	numOps
)

var opNames = [numOps]string{
	"q1_avg_price_by_region",
	"q2_revenue_by_category_month",
	"q3_top_products",
	"q4_distinct_customers",
	"q5_category_week_quantity",
}

// variants are the registered workloads: the mix of all five queries with
// equal weights, and one workload per query.
var variants = []struct {
	name, summary string
	op            int // -1: the mix
}{
	{"mix", "all five analytic queries, equal weights", -1},
	{"scan", "the whole fact table: Q1, Q2, Q4 and Q3 over the whole year, equal weights", scanOp},
	{"q1", "Q1 only: AVG(price_cents) by region", opQ1},
	{"q2", "Q2 only: revenue by category and month", opQ2},
	{"q3", "Q3 only: top 10 products by revenue in a 30-day window", opQ3},
	{"q4", "Q4 only: distinct customers per region", opQ4},
	{"q5", "Q5 only: SUM(quantity) of one category in one week", opQ5},
}

func init() {
	workloads.RegisterPattern("agg", Supports)
	for _, v := range variants {
		workloads.Register(workloads.Entry{
			Name:    "agg/" + v.name,
			Summary: "sales analytics: " + v.summary,
			New:     func(p workloads.Params) (workloads.Workload, error) { return New(v.name, p) },
		})
	}
}

// scanOp marks the scan variant: every query reads every row.
const scanOp = -3

// DefaultConfig returns the configuration of a variant ("mix", "scan",
// "q1" … "q5") at a scale: 1 000 000 rows at quick, 100 000 000 at full, f
// million at a factor f.
func DefaultConfig(variant string, scale workloads.Scale) (Config, error) {
	op := -2
	for _, v := range variants {
		if v.name == variant {
			op = v.op
		}
	}
	if op == -2 {
		return Config{}, fmt.Errorf("unknown agg variant %q (use mix, scan or q1–q5)", variant)
	}
	records := scale.Size(1_000_000, 100_000_000, 1)
	props := [numOps]float64{1, 1, 1, 1, 1}
	window := 30
	switch {
	case op == scanOp:
		props = [numOps]float64{1, 1, 1, 1, 0}
		window = 365
	case op >= 0:
		props = [numOps]float64{}
		props[op] = 1
	}
	return Config{
		Table:        "sales",
		Records:      records,
		Regions:      8,
		Categories:   20,
		Products:     10_000,
		Customers:    100_000,
		MaxQuantity:  10,
		ProductSkew:  1,
		Year:         2025,
		WindowDays:   window,
		TopK:         10,
		Q1Proportion: props[opQ1],
		Q2Proportion: props[opQ2],
		Q3Proportion: props[opQ3],
		Q4Proportion: props[opQ4],
		Q5Proportion: props[opQ5],
		LoadBatch:    1000,
	}, nil
}

func (c *Config) proportions() [numOps]float64 {
	return [numOps]float64{c.Q1Proportion, c.Q2Proportion, c.Q3Proportion, c.Q4Proportion, c.Q5Proportion}
}

func (c *Config) validate() error {
	switch {
	case c.Table == "":
		return errors.New("table must not be empty")
	case c.Records < 1 || c.Records > 1<<40:
		return fmt.Errorf("records must be in 1..%d, not %d", int64(1<<40), c.Records)
	case c.Regions < 1 || c.Regions > 1000:
		return fmt.Errorf("regions must be in 1..1000, not %d", c.Regions)
	case c.Categories < 1 || c.Categories > 1000:
		return fmt.Errorf("categories must be in 1..1000, not %d", c.Categories)
	case c.Products < 1 || c.Products > 10_000_000:
		return fmt.Errorf("products must be in 1..10000000, not %d", c.Products)
	case c.Customers < 1 || c.Customers > 100_000_000:
		return fmt.Errorf("customers must be in 1..100000000, not %d", c.Customers)
	case c.MaxQuantity < 1 || c.MaxQuantity > 1_000_000:
		return fmt.Errorf("maxquantity must be in 1..1000000, not %d", c.MaxQuantity)
	case !(c.ProductSkew > 0 && c.ProductSkew <= 10):
		return fmt.Errorf("productskew must be in (0, 10], not %v", c.ProductSkew)
	case c.Year < 1900 || c.Year > 2200:
		return fmt.Errorf("year must be in 1900..2200, not %d", c.Year)
	case c.WindowDays < 1 || c.WindowDays > 365:
		return fmt.Errorf("windowdays must be in 1..365, not %d", c.WindowDays)
	case c.TopK < 1 || c.TopK > 1000:
		return fmt.Errorf("topk must be in 1..1000, not %d", c.TopK)
	case c.LoadBatch < 1 || c.LoadBatch > 1_000_000:
		return fmt.Errorf("loadbatch must be in 1..1000000, not %d", c.LoadBatch)
	}
	total := 0.0
	for i, p := range c.proportions() {
		if !(p >= 0) || p > 1e9 {
			return fmt.Errorf("q%dproportion must be a non-negative number, not %v", i+1, p)
		}
		total += p
	}
	if total <= 0 {
		return errors.New("at least one query proportion (q1proportion … q5proportion) must be positive")
	}
	return nil
}

// Workload is an agg workload: the sales table and a mix of the five
// analytic queries.
type Workload struct {
	name  string
	seed  uint64
	cfg   Config
	sales *gen.Sales
	start time.Time   // first instant of the year, UTC
	days  int64       // days in the year
	kinds []string    // op kinds in the mix
	index [numOps]int // op → index in kinds, -1 when absent
	props [numOps]float64

	refMu sync.Mutex
	ref   *reference // computed on first use, see reference
}

// New returns agg workload variant ("mix", "q1" … "q5") with params applied.
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
	start := time.Date(cfg.Year, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(cfg.Year+1, 1, 1, 0, 0, 0, 0, time.UTC)
	sales, err := gen.NewSales(gen.SalesSpec{
		Seed:        p.Seed,
		Rows:        cfg.Records,
		Regions:     cfg.Regions,
		Categories:  cfg.Categories,
		Products:    cfg.Products,
		Customers:   cfg.Customers,
		MaxQuantity: cfg.MaxQuantity,
		ProductSkew: cfg.ProductSkew,
		Start:       start.Unix(),
		Span:        end.Unix() - start.Unix(),
	})
	if err != nil {
		return nil, err
	}
	w := &Workload{
		name:  "agg/" + variant,
		seed:  p.Seed,
		cfg:   cfg,
		sales: sales,
		start: start,
		days:  int64(end.Sub(start) / (24 * time.Hour)),
		props: cfg.proportions(),
	}
	for op := range numOps {
		w.index[op] = -1
		if w.props[op] > 0 {
			w.index[op] = len(w.kinds)
			w.kinds = append(w.kinds, opNames[op])
		}
	}
	return w, nil
}

// Name returns "agg/<variant>".
func (w *Workload) Name() string { return w.name }

// Pattern returns "agg".
func (w *Workload) Pattern() string { return "agg" }

// Config returns the effective configuration.
func (w *Workload) Config() Config { return w.cfg }

// Records returns the number of sales rows loaded.
func (w *Workload) Records() int64 { return w.cfg.Records }

// OpKinds returns the operation kinds of the mix.
func (w *Workload) OpKinds() []string { return w.kinds }

// Settings returns the effective settings for results.
func (w *Workload) Settings() map[string]any {
	c := w.cfg
	m := map[string]any{
		"table": c.Table, "records": c.Records, "regions": c.Regions, "categories": c.Categories,
		"products": c.Products, "customers": c.Customers, "maxquantity": c.MaxQuantity,
		"productskew": c.ProductSkew, "year": c.Year, "loadbatch": c.LoadBatch,
	}
	for op, p := range w.props {
		if p > 0 {
			m[fmt.Sprintf("q%dproportion", op+1)] = p
		}
	}
	if w.props[opQ3] > 0 {
		m["windowdays"] = c.WindowDays
		m["topk"] = c.TopK
	}
	return m
}

// Schema returns the schema of the workload's table.
func (w *Workload) Schema() Schema { return Schema{Table: w.cfg.Table} }

// Generator returns the workload's row generator.
func (w *Workload) Generator() *gen.Sales { return w.sales }

// Start returns the first instant of the workload's year (UTC); every sale
// lies in [Start, Start + one year).
func (w *Workload) Start() time.Time { return w.start }

// Row returns row n (0 <= n < Records) of the data set.
func (w *Workload) Row(n int64) Sale {
	var r gen.SalesRow
	w.sales.Row(n, &r)
	return saleOf(&r)
}

func saleOf(r *gen.SalesRow) Sale {
	return Sale{
		ID:         r.ID,
		TS:         time.Unix(r.TS, 0).UTC(),
		Region:     r.Region,
		Category:   r.Category,
		ProductID:  r.ProductID,
		CustomerID: r.CustomerID,
		Quantity:   r.Quantity,
		PriceCents: r.PriceCents,
	}
}

func (w *Workload) store(c drivers.Conn) (Store, error) {
	p, ok := c.(Provider)
	if !ok {
		return nil, fmt.Errorf("agg pattern: %w", drivers.ErrUnsupported)
	}
	s, err := p.AggStore(w.Schema())
	if err != nil {
		return nil, fmt.Errorf("agg store: %w", err)
	}
	return s, nil
}

// Setup creates the sales table.
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

// Load inserts the rows of share part of parts in batches of LoadBatch.
func (w *Workload) Load(ctx context.Context, c drivers.Conn, part, parts int, p workloads.Progress) error {
	if parts < 1 || part < 0 || part >= parts {
		return fmt.Errorf("agg load: part %d of %d", part, parts)
	}
	s, err := w.store(c)
	if err != nil {
		return err
	}
	lo, hi := gen.SalesPartRange(w.cfg.Records, part, parts)
	batch := make([]Sale, 0, min(int64(w.cfg.LoadBatch), max(hi-lo, 1)))
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.Load(ctx, batch); err != nil {
			return fmt.Errorf("load %s rows %d…%d: %w", w.cfg.Table, batch[0].ID, batch[len(batch)-1].ID, err)
		}
		p.Add(int64(len(batch)))
		batch = batch[:0]
		return nil
	}
	var r gen.SalesRow
	for n := lo; n < hi; n++ {
		w.sales.Row(n, &r)
		batch = append(batch, saleOf(&r))
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
