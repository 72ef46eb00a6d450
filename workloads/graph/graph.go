package graph

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// Config is the typed configuration of a graph workload; every field is an
// option (--set name=value) named by its yaml tag.
type Config struct {
	// Table names the graph (edge table) in the store.
	Table string `yaml:"table"`
	// Users is the number of users (ids 0 … users-1).
	Users int64 `yaml:"users"`
	// MeanDegree is the mean out-degree (follows per user).
	MeanDegree float64 `yaml:"meandegree"`
	// Exponent is the power-law exponent of the out-degrees.
	Exponent float64 `yaml:"exponent"`
	// MaxDegree caps the out-degree; 0 picks min(5000, max(users/10,
	// 4·meandegree)), at most users-1. 5000 is Twitter's follow limit.
	MaxDegree int64 `yaml:"maxdegree"`
	// ZeroFraction is the fraction of users who follow nobody.
	ZeroFraction float64 `yaml:"zerofraction"`
	// Popularity is the zipfian constant of followee choice, in (0, 1).
	Popularity float64 `yaml:"popularity"`
	// MaxHops bounds shortest-path searches.
	MaxHops int `yaml:"maxhops"`
	// TopK is the number of who-to-follow suggestions asked for.
	TopK int `yaml:"topk"`
	// ReachHops is the radius of the reach query: users within that many
	// hops are counted.
	ReachHops int `yaml:"reachhops"`
	// The operation mix; proportions need not sum to 1.
	NeighboursProportion float64 `yaml:"neighboursproportion"`
	FoFProportion        float64 `yaml:"fofproportion"`
	WTFProportion        float64 `yaml:"wtfproportion"`
	PathProportion       float64 `yaml:"pathproportion"`
	ReachProportion      float64 `yaml:"reachproportion"`
	// LoadBatch is the number of edges per Store.LoadEdges call.
	LoadBatch int `yaml:"loadbatch"`
}

// Operation kinds, in a fixed order; a workload's OpKinds lists those its
// mix uses.
const (
	opNeighbours = iota
	opFoF
	opWTF
	opPath
	opReach
	numOps
)

var opNames = [numOps]string{"neighbours", "fof", "wtf", "path", "reach"}

// variants are the registered workloads: the catalogue mix and one workload
// per query, to measure each alone.
var variants = []struct {
	name, summary string
	props         [numOps]float64
}{
	{"mix", "follows graph: 40% neighbours, 30% friends-of-friends count, 20% who-to-follow top 10, 10% shortest path ≤ 4 hops", [numOps]float64{0.4, 0.3, 0.2, 0.1, 0}},
	{"neighbours", "follows graph: 100% neighbours (the users u follows)", [numOps]float64{1, 0, 0, 0, 0}},
	{"fof", "follows graph: 100% friends-of-friends count", [numOps]float64{0, 1, 0, 0, 0}},
	{"wtf", "follows graph: 100% who-to-follow top 10", [numOps]float64{0, 0, 1, 0, 0}},
	{"path", "follows graph: 100% shortest directed path ≤ 4 hops", [numOps]float64{0, 0, 0, 1, 0}},
	{"reach", "follows graph: 100% reach, the users within 3 hops (count)", [numOps]float64{0, 0, 0, 0, 1}},
	{"deep", "follows graph: deep traversals, 50% reach within 3 hops, 50% shortest path ≤ 4 hops", [numOps]float64{0, 0, 0, 0.5, 0.5}},
}

func init() {
	workloads.RegisterPattern("graph", Supports)
	for _, v := range variants {
		workloads.Register(workloads.Entry{
			Name:    "graph/" + v.name,
			Summary: v.summary,
			New:     func(p workloads.Params) (workloads.Workload, error) { return New(v.name, p) },
		})
	}
}

// DefaultConfig returns the configuration of a variant ("mix",
// "neighbours", "fof", "wtf", "path", "reach", "deep") at a scale: 10 000
// users of mean out-degree 10 (quick) or 1 000 000 of mean 20 (full),
// exponent 2.1; factors scale the users and densify the graph (see
// MeanDegreeAt).
func DefaultConfig(variant string, scale workloads.Scale) (Config, error) {
	i := -1
	for j, v := range variants {
		if v.name == variant {
			i = j
		}
	}
	if i < 0 {
		return Config{}, fmt.Errorf("unknown graph variant %q (use mix, neighbours, fof, wtf, path, reach or deep)", variant)
	}
	c := Config{
		Table:        "follows",
		Users:        10_000,
		MeanDegree:   10,
		Exponent:     2.1,
		ZeroFraction: 0.02,
		Popularity:   0.9,
		MaxHops:      4,
		TopK:         10,
		ReachHops:    3,
		LoadBatch:    1000,
	}
	c.Users, c.MeanDegree = scale.Size(10_000, 1_000_000, 10), MeanDegreeAt(scale)
	p := variants[i].props
	c.NeighboursProportion, c.FoFProportion, c.WTFProportion, c.PathProportion, c.ReachProportion = p[0], p[1], p[2], p[3], p[4]
	return c, nil
}

// MeanDegreeAt returns the default mean out-degree at a scale: 10 at
// quick, 20 at full (1 000 000 users, factor 100), and between and beyond
// on the power law through both, 10·f^0.15 for factor f, to two decimals.
// Follow graphs densify as they grow — their edges grow as a power
// 1.1–1.7 of their nodes (Leskovec, Kleinberg and Faloutsos, "Graphs over
// time", KDD 2005) — and here edges grow as users^1.15.
func MeanDegreeAt(scale workloads.Scale) float64 {
	return math.Round(scale.Curve(10, 20, 100)*100) / 100
}

// autoMaxDegree is the cap used when MaxDegree is 0.
func (c *Config) autoMaxDegree() int64 {
	m := min(5000, max(c.Users/10, int64(math.Ceil(4*c.MeanDegree))))
	return max(1, min(m, c.Users-1))
}

func (c *Config) validate() error {
	switch {
	case c.Table == "":
		return errors.New("table must not be empty")
	case c.MaxDegree < 0:
		return fmt.Errorf("maxdegree must not be negative (0 picks a cap), not %d", c.MaxDegree)
	case c.MaxHops < 0 || c.MaxHops > 100:
		return fmt.Errorf("maxhops must be in 0..100, not %d", c.MaxHops)
	case c.TopK < 1 || c.TopK > 100_000:
		return fmt.Errorf("topk must be in 1..100000, not %d", c.TopK)
	case c.ReachHops < 1 || c.ReachHops > 100:
		return fmt.Errorf("reachhops must be in 1..100, not %d", c.ReachHops)
	case c.LoadBatch < 1:
		return fmt.Errorf("loadbatch must be at least 1, not %d", c.LoadBatch)
	}
	total := 0.0
	for _, p := range []float64{c.NeighboursProportion, c.FoFProportion, c.WTFProportion, c.PathProportion, c.ReachProportion} {
		if !(p >= 0) || math.IsInf(p, 0) {
			return errors.New("proportions must be finite and not negative")
		}
		total += p
	}
	if total <= 0 {
		return errors.New("at least one operation proportion must be positive")
	}
	return nil
}

func (c *Config) follows() gen.FollowsConfig {
	return gen.FollowsConfig{
		Users: c.Users, MeanDegree: c.MeanDegree, Exponent: c.Exponent, MaxDegree: c.MaxDegree,
		ZeroFraction: c.ZeroFraction, Popularity: c.Popularity,
	}
}

// Workload is a graph workload.
type Workload struct {
	name  string
	seed  uint64
	cfg   Config
	model *gen.Follows
	edges int64
	kinds []string
	index [numOps]int // op → index in kinds, -1 when absent
	props [numOps]float64
	// refCache bounds the edges the validation reference caches
	// (cacheEdges; tests lower it to exercise regeneration).
	refCache int64
}

// New returns the graph workload variant ("mix", "neighbours", "fof",
// "wtf", "path") with params applied.
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
	if cfg.MaxDegree == 0 && cfg.Users >= 2 {
		cfg.MaxDegree = cfg.autoMaxDegree()
	}
	model, err := gen.NewFollows(p.Seed, cfg.follows())
	if err != nil {
		return nil, err
	}
	w := &Workload{name: "graph/" + variant, seed: p.Seed, cfg: cfg, model: model, refCache: cacheEdges}
	w.edges = model.EdgeCount(0, cfg.Users)
	w.props = [numOps]float64{cfg.NeighboursProportion, cfg.FoFProportion, cfg.WTFProportion, cfg.PathProportion, cfg.ReachProportion}
	for op := range numOps {
		w.index[op] = -1
		if w.props[op] > 0 {
			w.index[op] = len(w.kinds)
			w.kinds = append(w.kinds, opNames[op])
		}
	}
	return w, nil
}

// Name returns "graph/<variant>".
func (w *Workload) Name() string { return w.name }

// Pattern returns "graph".
func (w *Workload) Pattern() string { return "graph" }

// Config returns the effective configuration (MaxDegree filled in).
func (w *Workload) Config() Config { return w.cfg }

// Model returns the generator of the follows graph.
func (w *Workload) Model() *gen.Follows { return w.model }

// Records returns the number of edges loaded.
func (w *Workload) Records() int64 { return w.edges }

// OpKinds returns the operation kinds of the mix.
func (w *Workload) OpKinds() []string { return w.kinds }

// Schema returns the schema stores are asked for.
func (w *Workload) Schema() Schema { return Schema{Name: w.cfg.Table, Users: w.cfg.Users} }

// Settings returns the effective settings for results.
func (w *Workload) Settings() map[string]any {
	c := w.cfg
	m := map[string]any{
		"table": c.Table, "users": c.Users, "edges": w.edges, "meandegree": c.MeanDegree,
		"exponent": c.Exponent, "maxdegree": c.MaxDegree, "zerofraction": c.ZeroFraction,
		"popularity": c.Popularity, "loadbatch": c.LoadBatch,
	}
	names := [numOps]string{"neighboursproportion", "fofproportion", "wtfproportion", "pathproportion", "reachproportion"}
	for op, p := range w.props {
		if p > 0 {
			m[names[op]] = p
		}
	}
	if w.props[opWTF] > 0 {
		m["topk"] = c.TopK
	}
	if w.props[opPath] > 0 {
		m["maxhops"] = c.MaxHops
	}
	if w.props[opReach] > 0 {
		m["reachhops"] = c.ReachHops
	}
	return m
}

func (w *Workload) store(c drivers.Conn) (Store, error) {
	p, ok := c.(Provider)
	if !ok {
		return nil, fmt.Errorf("graph pattern: %w", drivers.ErrUnsupported)
	}
	s, err := p.GraphStore(w.Schema())
	if err != nil {
		return nil, fmt.Errorf("graph store: %w", err)
	}
	return s, nil
}

// Setup creates the graph.
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

// PartRange returns the source users [lo, hi) whose edges share part of
// parts holds: contiguous ranges that cover all users once.
func PartRange(users int64, part, parts int) (lo, hi int64) {
	return users * int64(part) / int64(parts), users * int64(part+1) / int64(parts)
}

func checkPart(part, parts int) error {
	if parts < 1 || part < 0 || part >= parts {
		return fmt.Errorf("graph: part %d of %d", part, parts)
	}
	return nil
}

// Load adds the edges of the source users of share part of parts, in
// batches of LoadBatch edges.
func (w *Workload) Load(ctx context.Context, c drivers.Conn, part, parts int, p workloads.Progress) error {
	if err := checkPart(part, parts); err != nil {
		return err
	}
	s, err := w.store(c)
	if err != nil {
		return err
	}
	batch := make([]Edge, 0, w.cfg.LoadBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.LoadEdges(ctx, batch); err != nil {
			return fmt.Errorf("load %s edges from user %d: %w", w.cfg.Table, batch[0].Src, err)
		}
		p.Add(int64(len(batch)))
		batch = batch[:0]
		return nil
	}
	return w.eachEdge(part, parts, func(src, dst int64) error {
		batch = append(batch, Edge{UserID(src), UserID(dst)})
		if len(batch) == cap(batch) {
			return flush()
		}
		return nil
	}, flush)
}

// eachEdge calls fn for every edge of share part of parts in order (by
// source, then destination), then done.
func (w *Workload) eachEdge(part, parts int, fn func(src, dst int64) error, done func() error) error {
	lo, hi := PartRange(w.cfg.Users, part, parts)
	d := w.model.Drawer()
	var buf []int64
	for src := lo; src < hi; src++ {
		buf = d.AppendFollowees(buf[:0], src)
		for _, dst := range buf {
			if err := fn(src, dst); err != nil {
				return err
			}
		}
	}
	return done()
}
