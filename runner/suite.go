package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
	"go.yaml.in/yaml/v3"
)

// Suite is a YAML file that names which workloads run on which stores with
// which settings. Example (suites/quick.yaml):
//
//	name: quick
//	seed: 1
//	scale: quick                      # quick, full or a factor (10); or
//	                                  # scales: [1, 10, 100] for a sweep
//	defaults: {workers: 2, duration: 5s, warmup: 1s, timeout: 10s}
//	                                  # workers: auto finds the store's capacity,
//	                                  # low is 2 (latency at low load);
//	                                  # warmup: auto runs until steady
//	                                  # (at most warmup_max, default 2m)
//	                                  # max_load: 20m, a budget per load
//	stores: [memory]                  # or "name=dsn", or {name: …, dsn: …}
//	workloads:
//	  - point/a                       # a name, or a map with overrides:
//	  - workload: point/e
//	    duration: 3s
//	    options: {records: 50000}
//	  - workload: point/c               # search for the highest rate
//	    find_max: p99=1ms               # meeting an SLO (steps of 1s)
//	    duration: 1s
//	    thresholds: [p99<5ms]           # this workload's, as below
//	slo:                                # ranking objectives over the defaults
//	  agg: p99=500ms                    # SCOPE: objective
//	  graph.fof: p99=20ms               # one operation kind of a pattern
//	thresholds:                         # pass/fail, like k6's
//	  "*": [errors<0.1%]                # SCOPE: [METRIC<VALUE, …]
//	  point/a: [p99<10ms, rate>=5000]
//
// Every workload runs on every store, at every scale of the sweep (scales,
// in ascending order; scale alone is a sweep of one). Unknown keys are
// errors. slo and thresholds may also be lists of "SCOPE:EXPRESSION"
// strings.
type Suite struct {
	Name      string          `yaml:"name"`
	Seed      *uint64         `yaml:"seed"`
	Scale     Scalar          `yaml:"scale"`
	Scales    Scalars         `yaml:"scales"`
	Defaults  Settings        `yaml:"defaults"`
	Stores    []StoreRef      `yaml:"stores"`
	Workloads []SuiteWorkload `yaml:"workloads"`
	// Faults are injected into every cell's server (a workload's own
	// faults: list replaces them): see Fault.
	Faults []Fault `yaml:"faults"`
	// SLO holds latency objectives for ranking, "[SCOPE:]p99=10ms" each;
	// the result records them for pick and the reports.
	SLO ScopedList `yaml:"slo"`
	// Thresholds are pass/fail criteria, "[SCOPE:]p99<10ms" each: a run
	// that breaches one exits with its own status.
	Thresholds ScopedList `yaml:"thresholds"`
}

// Scalar is a YAML scalar read as its text, so that scale: 10 and scale:
// "10" mean the same.
type Scalar string

// UnmarshalYAML takes a scalar's text.
func (s *Scalar) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: give a single value (quick, full or a factor such as 10)", n.Line)
	}
	*s = Scalar(n.Value)
	return nil
}

// Scalars is a YAML list of scalars read as their text: scales: [1, 10,
// 100] or [quick, 10, full].
type Scalars []string

// UnmarshalYAML takes a sequence of scalars.
func (l *Scalars) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("line %d: give a list of scales such as [1, 10, 100]", n.Line)
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: give each scale as quick, full or a factor such as 10", c.Line)
		}
		out = append(out, c.Value)
	}
	*l = out
	return nil
}

// ScopedList is a list of "SCOPE:EXPRESSION" strings, written in YAML as
// such a list or as a mapping of scopes to an expression or a list of
// them.
type ScopedList []string

// UnmarshalYAML accepts a sequence of strings or a mapping of scope to a
// string or a sequence of strings.
func (l *ScopedList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.SequenceNode:
		var xs []string
		if err := n.Decode(&xs); err != nil {
			return fmt.Errorf("line %d: give a list of expressions such as p99<10ms", n.Line)
		}
		*l = xs
		return nil
	case yaml.MappingNode:
		var out []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			scope, val := n.Content[i].Value, n.Content[i+1]
			var xs []string
			switch val.Kind {
			case yaml.ScalarNode:
				xs = []string{val.Value}
			case yaml.SequenceNode:
				if err := val.Decode(&xs); err != nil {
					return fmt.Errorf("line %d: give %s a list of expressions", val.Line, scope)
				}
			default:
				return fmt.Errorf("line %d: give %s an expression or a list of them", val.Line, scope)
			}
			for _, x := range xs {
				out = append(out, scope+":"+x)
			}
		}
		*l = out
		return nil
	}
	return fmt.Errorf("line %d: give a mapping of scopes to expressions, or a list", n.Line)
}

// Settings are runner settings as a suite or the command line gives them;
// nil fields are unset.
type Settings struct {
	// Workers is a count, "auto" (the capacity ramp) or "low" (two
	// workers: latency at low load).
	Workers *Workers `yaml:"workers"`
	// WorkersMax bounds the capacity ramp.
	WorkersMax *int      `yaml:"workers_max"`
	Loaders    *int      `yaml:"loaders"`
	Rate       *float64  `yaml:"rate"`
	Duration   *Duration `yaml:"duration"`
	Ops        *int64    `yaml:"ops"`
	// Warmup is a duration or "auto" (until steady, at most WarmupMax).
	Warmup    *Warmup   `yaml:"warmup"`
	WarmupMax *Duration `yaml:"warmup_max"`
	Timeout   *Duration `yaml:"timeout"`
	// FindMax is an SLO ("p99=10ms"): the cell searches for the highest
	// open-loop rate that meets it instead of running once.
	FindMax *string `yaml:"find_max"`
	// MaxLoad is the load budget (Config.MaxLoad).
	MaxLoad *Duration `yaml:"max_load"`
	// MaxStep is the longest a find-max step may run to gather enough
	// operations of every kind its SLO bounds (default 10 × duration).
	MaxStep *Duration `yaml:"max_step"`
	// Faults are injected into the store's server during the measured
	// phase: "pause@10s+5s" or {kind: pause, at: 10s, for: 5s}.
	Faults []Fault `yaml:"faults"`
}

// Over returns s with the fields set in o replacing its own.
func (s Settings) Over(o Settings) Settings {
	if o.Workers != nil {
		s.Workers = o.Workers
	}
	if o.WorkersMax != nil {
		s.WorkersMax = o.WorkersMax
	}
	if o.WarmupMax != nil {
		s.WarmupMax = o.WarmupMax
	}
	if o.Loaders != nil {
		s.Loaders = o.Loaders
	}
	if o.Rate != nil {
		s.Rate = o.Rate
	}
	if o.Duration != nil {
		s.Duration = o.Duration
	}
	if o.Ops != nil {
		s.Ops = o.Ops
	}
	if o.Warmup != nil {
		s.Warmup = o.Warmup
	}
	if o.Timeout != nil {
		s.Timeout = o.Timeout
	}
	if o.FindMax != nil {
		s.FindMax = o.FindMax
	}
	if o.MaxLoad != nil {
		s.MaxLoad = o.MaxLoad
	}
	if o.MaxStep != nil {
		s.MaxStep = o.MaxStep
	}
	if o.Faults != nil {
		s.Faults = o.Faults
	}
	return s
}

// Config turns settings into a runner configuration, with storefit's
// defaults for what is unset: 1 worker, 10 s, a warm-up until steady on
// server stores and of 2 s on embedded ones, 10 s timeout.
func (s Settings) Config() Config {
	c := Config{Workers: 1, Duration: 10 * time.Second, Warmup: 2 * time.Second, WarmupMode: WarmupByStore, Timeout: 10 * time.Second}
	if s.Workers != nil {
		c.Workers, c.WorkersRule = s.Workers.N, s.Workers.Rule
	}
	if s.WorkersMax != nil {
		c.WorkersMax = *s.WorkersMax
	}
	if s.WarmupMax != nil {
		c.WarmupMax = time.Duration(*s.WarmupMax)
	}
	if s.Loaders != nil {
		c.Loaders = *s.Loaders
	}
	if s.Rate != nil {
		c.Rate = *s.Rate
	}
	if s.Ops != nil {
		c.Ops = *s.Ops
		if s.Duration == nil {
			c.Duration = 0 // an op count alone bounds the run
		}
	}
	if s.Duration != nil {
		c.Duration = time.Duration(*s.Duration)
	}
	if s.Warmup != nil {
		c.WarmupMode = results.WarmupFixed
		c.Warmup = s.Warmup.D
		if s.Warmup.Auto {
			c.WarmupMode, c.Warmup = results.WarmupAuto, 0
		}
	}
	if s.Timeout != nil {
		c.Timeout = time.Duration(*s.Timeout)
	}
	if s.MaxLoad != nil {
		c.MaxLoad = time.Duration(*s.MaxLoad)
	}
	if s.MaxStep != nil {
		c.MaxStep = time.Duration(*s.MaxStep)
	}
	c.Faults = s.Faults
	return c
}

// Workers is a worker setting: a count, or a rule (results.WorkersAuto,
// results.WorkersLow) with N unset.
type Workers struct {
	N    int
	Rule string
}

// ParseWorkers parses a worker setting: a number, "auto" or "low".
func ParseWorkers(s string) (Workers, error) {
	switch s = strings.TrimSpace(s); s {
	case results.WorkersAuto, results.WorkersLow:
		return Workers{Rule: s}, nil
	}
	n, err := strconv.Atoi(s)
	if err == nil && n < 1 {
		return Workers{}, fmt.Errorf("workers must be at least 1, not %d (give a number, auto or low)", n)
	}
	if err != nil {
		return Workers{}, fmt.Errorf("workers %q: give a number of workers, auto (find the store's capacity) or low (%d workers: latency at low load)", s, results.LowLoadWorkers)
	}
	return Workers{N: n}, nil
}

// UnmarshalYAML accepts a number, "auto" or "low".
func (w *Workers) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseWorkers(n.Value)
	if n.Kind == yaml.ScalarNode && err != nil && strings.HasPrefix(err.Error(), "workers must be") {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	if n.Kind != yaml.ScalarNode || err != nil {
		return fmt.Errorf("line %d: give workers a number, auto or low", n.Line)
	}
	*w = v
	return nil
}

// Warmup is a warm-up setting: a duration, or Auto (until steady).
type Warmup struct {
	D    time.Duration
	Auto bool
}

// ParseWarmup parses a warm-up setting: a duration or "auto".
func ParseWarmup(s string) (Warmup, error) {
	if s = strings.TrimSpace(s); s == results.WarmupAuto {
		return Warmup{Auto: true}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return Warmup{}, fmt.Errorf("warmup %q: give a duration (e.g. 5s) or auto (until throughput and p99 are steady)", s)
	}
	return Warmup{D: d}, nil
}

// UnmarshalYAML accepts a duration or "auto".
func (w *Warmup) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseWarmup(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return fmt.Errorf("line %d: give warmup a duration (e.g. 5s) or auto", n.Line)
	}
	*w = v
	return nil
}

// Duration is a time.Duration written as "10s", "1m30s" in YAML.
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (use e.g. 10s, 2m)", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// StoreRef names a store and its DSN.
type StoreRef struct {
	Name string `yaml:"name"`
	DSN  string `yaml:"dsn"`
}

// ParseStoreRef parses "name" or "name=dsn".
func ParseStoreRef(s string) (StoreRef, error) {
	name, dsn, _ := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if name == "" {
		return StoreRef{}, fmt.Errorf("store %q: empty name (use name or name=dsn)", s)
	}
	return StoreRef{Name: name, DSN: dsn}, nil
}

// UnmarshalYAML accepts "name", "name=dsn" or {name: …, dsn: …}.
func (r *StoreRef) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		ref, err := ParseStoreRef(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		*r = ref
		return nil
	}
	type plain StoreRef
	var p plain
	if err := decodeStrict(n, &p); err != nil {
		return err
	}
	if p.Name == "" {
		return fmt.Errorf("line %d: store without a name", n.Line)
	}
	*r = StoreRef(p)
	return nil
}

// SuiteWorkload is one workload entry of a suite.
type SuiteWorkload struct {
	Workload string `yaml:"workload"`
	Settings `yaml:",inline"`
	Options  map[string]any `yaml:"options"`
	// Thresholds apply to this workload: "p99<10ms", "rate>=5000".
	Thresholds []string `yaml:"thresholds"`
}

// UnmarshalYAML accepts a workload name or a map.
func (w *SuiteWorkload) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		w.Workload = n.Value
		return nil
	}
	type plain SuiteWorkload
	var p plain
	if err := decodeStrict(n, &p); err != nil {
		return err
	}
	if p.Workload == "" {
		return fmt.Errorf("line %d: workload entry without a workload name", n.Line)
	}
	*w = SuiteWorkload(p)
	return nil
}

// decodeStrict decodes a node rejecting unknown keys (Node.Decode does not
// apply the decoder's KnownFields).
func decodeStrict(n *yaml.Node, dst any) error {
	raw, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil {
		// The decoder numbers lines of the re-encoded node, from 1: name
		// the line of the file instead, once.
		msg := workloads.YAMLError(err).Error()
		line := n.Line
		if m := innerLine.FindStringSubmatch(msg); m != nil {
			l, _ := strconv.Atoi(m[1])
			line, msg = n.Line+l-1, msg[len(m[0]):]
		}
		return fmt.Errorf("line %d: %s", line, msg)
	}
	return nil
}

// innerLine is the line number a decoding error starts with.
var innerLine = regexp.MustCompile(`^line (\d+): `)

// ParseSuite parses a suite document.
func ParseSuite(data []byte) (*Suite, error) {
	var s Suite
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty suite")
		}
		return nil, workloads.YAMLError(err)
	}
	if len(s.Workloads) == 0 {
		return nil, errors.New("suite lists no workloads")
	}
	if _, err := s.scales(""); err != nil {
		return nil, err
	}
	return &s, nil
}

// scales returns the scales of the sweep, in ascending order of size:
// override (a comma-separated list, from --scale) when set, else the
// suite's scales or its scale.
func (s *Suite) scales(override string) ([]workloads.Scale, error) {
	var list []workloads.Scale
	var err error
	switch {
	case override != "":
		list, err = workloads.ParseScales(override)
	case len(s.Scales) > 0 && s.Scale != "":
		return nil, errors.New("give scale or scales, not both")
	case len(s.Scales) > 0:
		list, err = workloads.ParseScales(strings.Join(s.Scales, ","))
	default:
		var sc workloads.Scale
		sc, err = workloads.ParseScale(string(s.Scale))
		list = []workloads.Scale{sc}
	}
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(list, workloads.Scale.Compare)
	return list, nil
}

// LoadSuite reads and parses a suite file; errors name the file.
func LoadSuite(path string) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("suite: %w", err)
	}
	s, err := ParseSuite(data)
	if err != nil {
		return nil, fmt.Errorf("suite %s: %w", path, err)
	}
	if s.Name == "" {
		s.Name = path
	}
	return s, nil
}

// Overrides are command-line settings that take precedence over a suite's.
type Overrides struct {
	Seed     *uint64
	Scale    string
	Stores   []StoreRef
	Settings Settings
	Options  map[string]any
	// FindMax, when set, makes every cell search for the highest open-loop
	// rate that meets the SLO. The zero SLO means the suite's: a
	// workload's own find_max, else the suite's slo: objectives per
	// operation kind (FindMaxSLO), else DefaultFindMaxSLO.
	FindMax *results.SLO
	// Thresholds are added to the suite's.
	Thresholds []results.Threshold
}

// checkDuplicates refuses a workload or a store listed twice: their cells
// would run twice and could not be told apart in results. A workload may be
// listed again with other settings or options (a rate sweep: its cells
// carry their rate, workers and options); a store may be given twice with
// labels (redis:a=DSN1, redis:b=DSN2).
func checkDuplicates(ws []SuiteWorkload, stores []StoreRef) error {
	seen := map[string]int{}
	for i, w := range ws {
		variant, err := json.Marshal(struct {
			S Settings
			O map[string]any
		}{w.Settings, w.Options}) // map keys sorted: one text per variant
		key := w.Workload + " " + string(variant)
		if err != nil {
			key = fmt.Sprintf("%s %d", w.Workload, i) // options JSON cannot hold are told apart by YAML
		}
		if j, ok := seen[key]; ok {
			return fmt.Errorf("workload %s is listed twice with the same settings (entries %d and %d): results could not tell its cells apart; use --repeat for repetitions, or give each entry its own settings", w.Workload, j+1, i+1)
		}
		seen[key] = i
	}
	seen = map[string]int{}
	for i, st := range stores {
		if j, ok := seen[st.Name]; ok {
			return fmt.Errorf("store %s is listed twice (entries %d and %d): results could not tell its cells apart; label each (%s:a=DSN, %s:b=DSN) to compare two servers", st.Name, j+1, i+1, st.Name, st.Name)
		}
		seen[st.Name] = i
	}
	return nil
}

// Plan expands the suite into cells (every workload × every store),
// applying overrides, and checks every cell's settings and workload options
// so bad input fails before anything runs.
func (s *Suite) Plan(o Overrides) (Plan, error) {
	seed := uint64(1)
	if s.Seed != nil {
		seed = *s.Seed
	}
	if o.Seed != nil {
		seed = *o.Seed
	}
	scales, err := s.scales(o.Scale)
	if err != nil {
		return Plan{}, err
	}
	stores := s.Stores
	if len(o.Stores) > 0 {
		stores = o.Stores
	}
	if len(stores) == 0 {
		return Plan{}, errors.New("no store given (use --store NAME or list stores in the suite)")
	}
	if err := checkDuplicates(s.Workloads, stores); err != nil {
		return Plan{}, err
	}
	plan := Plan{Suite: s.Name}
	defaults := s.Defaults
	if defaults.Faults == nil {
		defaults.Faults = s.Faults
	}
	kinds := map[string][]string{} // workload → its operation kinds
	var ths []results.Threshold
	var derive []int // cells whose find-max SLO comes from the suite's objectives
	for _, w := range s.Workloads {
		set := defaults.Over(w.Settings).Over(o.Settings)
		if set.Workers != nil && set.Workers.Rule == "" && set.Workers.N < 1 {
			return Plan{}, fmt.Errorf("workload %s: workers must be at least 1, not %d", w.Workload, set.Workers.N)
		}
		opts := map[string]any{}
		for k, v := range w.Options {
			opts[k] = v
		}
		for k, v := range o.Options {
			opts[k] = v
		}
		ps, err := sweepParams(w.Workload, seed, scales, opts)
		if err != nil {
			return Plan{}, err
		}
		wl, err := workloads.New(w.Workload, ps[0])
		if err != nil {
			return Plan{}, err
		}
		kinds[w.Workload] = wl.OpKinds()
		cfg := set.Config()
		if set.FindMax != nil {
			slo, err := results.ParseSLO(*set.FindMax)
			if err != nil {
				return Plan{}, fmt.Errorf("workload %s: find_max: %w", w.Workload, err)
			}
			cfg.FindMax, cfg.SLO = !slo.IsZero(), slo
		}
		switch {
		case o.FindMax != nil && !o.FindMax.IsZero():
			cfg.FindMax, cfg.SLO = true, *o.FindMax
		case o.FindMax != nil && !cfg.FindMax:
			cfg.FindMax, cfg.SLO = true, DefaultFindMaxSLO()
			for i := range stores {
				derive = append(derive, len(plan.Cells)+i)
			}
		}
		if cfg.FindMax {
			if err := checkSLOKinds(cfg.SLO, wl.OpKinds()); err != nil {
				return Plan{}, fmt.Errorf("workload %s: %w", w.Workload, err)
			}
		}
		if err := cfg.Validate(); err != nil {
			return Plan{}, fmt.Errorf("workload %s: %w", w.Workload, err)
		}
		own, err := workloadThresholds(w)
		if err != nil {
			return Plan{}, err
		}
		for _, p := range ps {
			for _, st := range stores {
				plan.Cells = append(plan.Cells, Cell{Workload: w.Workload, Params: p, Store: st.Name, DSN: st.DSN, Config: cfg, Thresholds: own})
			}
		}
	}
	// A sweep runs every cell of a scale before the next, larger one.
	slices.SortStableFunc(plan.Cells, func(a, b Cell) int { return a.Params.Scale.Compare(b.Params.Scale) })
	for _, x := range s.Thresholds {
		t, err := results.ParseThreshold(x)
		if err != nil {
			return Plan{}, fmt.Errorf("thresholds: %w", err)
		}
		ths = append(ths, t)
	}
	ths = append(ths, o.Thresholds...)
	for _, t := range ths {
		if err := checkScope(t.Scope, kinds, true); err != nil {
			return Plan{}, fmt.Errorf("threshold %q: %w", t.Text, err)
		}
	}
	for i := range plan.Cells {
		plan.Cells[i].Thresholds = append(ths[:len(ths):len(ths)], plan.Cells[i].Thresholds...)
	}
	for _, x := range s.SLO {
		obj, err := results.ParseObjective(x)
		if err != nil {
			return Plan{}, fmt.Errorf("slo: %w", err)
		}
		if err := checkScope(obj.Scope, kinds, false); err != nil {
			return Plan{}, fmt.Errorf("slo %q: %w", x, err)
		}
		plan.Objectives = append(plan.Objectives, obj)
	}
	for _, i := range derive {
		c := &plan.Cells[i]
		if slo := FindMaxSLO(plan.Objectives, c.Workload, kinds[c.Workload]); !slo.IsZero() {
			c.Config.SLO = slo
		}
	}
	return plan, nil
}

// sweepParams returns a workload's parameters at each scale of a sweep,
// checking that each builds and that no two scales give the same data (an
// option that fixes the size — records, users, hosts — would make a sweep
// measure one data set several times).
func sweepParams(name string, seed uint64, scales []workloads.Scale, opts map[string]any) ([]workloads.Params, error) {
	var ps []workloads.Params
	var sets []map[string]any
	for _, sc := range scales {
		p := workloads.Params{Seed: seed, Scale: sc, Options: opts}
		wl, err := workloads.New(name, p)
		if err != nil {
			if len(scales) > 1 {
				return nil, fmt.Errorf("scale %s: %w", sc, err)
			}
			return nil, err
		}
		set := wl.Settings()
		for i, prev := range sets {
			if reflect.DeepEqual(prev, set) {
				return nil, fmt.Errorf("workload %s: scales %s and %s give the same data (an option fixes its size; drop it to sweep)", name, scales[i], sc)
			}
		}
		ps, sets = append(ps, p), append(sets, set)
	}
	return ps, nil
}

// DefaultFindMaxSLO is find-max's objective when neither the command line
// nor the suite gives one: p99 ≤ 10 ms over all operations together.
func DefaultFindMaxSLO() results.SLO {
	return results.SLO{Bounds: []results.Bound{{Percentile: 99, Limit: 10 * time.Millisecond}}}
}

// FindMaxSLO turns a suite's latency objectives (its slo: section) into
// a find-max objective for one workload: each operation kind held on its
// own to the objective that applies to it (results.Objectives.For), so
// `--find-max` checks the same per-kind objectives ranking uses. It is
// zero when no objective covers any kind.
func FindMaxSLO(objs []results.Objective, workload string, kinds []string) results.SLO {
	var slo results.SLO
	if len(objs) == 0 {
		return slo
	}
	res := results.NewObjectives(objs)
	for _, k := range kinds {
		obj, ok := res.For(workload, k)
		if !ok {
			continue
		}
		for _, b := range obj.SLO.Bounds {
			b.Kind = k
			slo.Bounds = append(slo.Bounds, b)
		}
	}
	return slo
}

// workloadThresholds parses the thresholds of a suite's workload entry,
// scoped to the workload.
func workloadThresholds(w SuiteWorkload) ([]results.Threshold, error) {
	var out []results.Threshold
	for _, x := range w.Thresholds {
		if strings.Contains(x, ":") {
			return nil, fmt.Errorf("workload %s: threshold %q: a workload's thresholds take no scope (give kinds' thresholds under the suite's thresholds, e.g. %s.KIND: [p99<10ms])", w.Workload, x, w.Workload)
		}
		t, err := results.ParseThreshold(w.Workload + ":" + x)
		if err != nil {
			return nil, fmt.Errorf("workload %s: %w", w.Workload, err)
		}
		t.Text = x
		out = append(out, t)
	}
	return out, nil
}

// checkScope reports a scope that names nothing the plan (strict) or
// storefit knows: an unknown pattern or workload, or a kind that no
// workload of the plan in the scope has.
func checkScope(sc results.Scope, kinds map[string][]string, strict bool) error {
	if sc.IsAll() {
		return nil
	}
	if sc.Workload != "" {
		if _, err := workloads.Lookup(sc.Workload); err != nil {
			return fmt.Errorf("unknown workload %q (see 'storefit list')", sc.Workload)
		}
	} else if !slices.Contains(workloads.Patterns(), sc.Pattern) {
		return fmt.Errorf("unknown pattern %q (known: %s)", sc.Pattern, strings.Join(workloads.Patterns(), ", "))
	}
	var inScope []string
	for _, w := range sortedNames(kinds) {
		if sc.MatchesWorkload(w) {
			inScope = append(inScope, w)
		}
	}
	if len(inScope) == 0 {
		if strict {
			return fmt.Errorf("no workload of the plan is in scope %s", sc)
		}
		return nil
	}
	if sc.Kind == "" {
		return nil
	}
	var known []string
	for _, w := range inScope {
		if slices.Contains(kinds[w], sc.Kind) {
			return nil
		}
		known = append(known, kinds[w]...)
	}
	slices.Sort(known)
	return fmt.Errorf("no workload in scope %s has an operation kind %q (kinds: %s)", sc, sc.Kind, strings.Join(slices.Compact(known), ", "))
}

func sortedNames(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// checkSLOKinds fails when a find-max SLO bounds an operation kind the
// workload does not have.
func checkSLOKinds(slo results.SLO, kinds []string) error {
	for _, k := range slo.Kinds() {
		if !slices.Contains(kinds, k) {
			return fmt.Errorf("the SLO bounds operation kind %q, which the workload has not (its kinds: %s)", k, strings.Join(kinds, ", "))
		}
	}
	return nil
}
