// Package workloads defines what a storefit workload is (Workload, Worker,
// Op), the parameters every workload takes, and the registry that names
// workloads ("point/a", "graph/fof", …). One package per access pattern
// (workloads/point, …) registers its workloads in init.
//
// A workload knows its schema, its data, its operation mix and how to check
// answers; it never imports a driver. It reaches a store through the
// pattern's provider interface, found on the drivers.Conn by type assertion;
// a store without it makes Worker, Setup and Load return
// drivers.ErrUnsupported.
package workloads

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/storefit/storefit/drivers"
)

// Workload is one named workload of one access pattern.
type Workload interface {
	// Name is the registered name, "pattern/variant".
	Name() string
	// Pattern is the access pattern, the part of Name before the slash.
	Pattern() string
	// Settings returns the workload's effective settings (defaults filled
	// in), recorded in results so a run can be repeated.
	Settings() map[string]any
	// Records is the number of rows (records, documents, edges, points) the
	// load phase writes in total, over all parts.
	Records() int64
	// OpKinds names the operation kinds in the mix; Op.Kind indexes it.
	OpKinds() []string
	// Setup creates the schema (tables, indexes, mappings) on an empty
	// store, dropping what a previous run left.
	Setup(ctx context.Context, c drivers.Conn) error
	// Load writes share part of parts of the data (0 <= part < parts),
	// reporting rows written to p. Loading every part once loads the whole
	// data set; parts run concurrently.
	Load(ctx context.Context, c drivers.Conn, part, parts int, p Progress) error
	// Validate runs fixed queries against freshly loaded data and compares
	// the answers with the expected ones. The error is for failures to ask
	// (a dead server), not for wrong answers, which the Validation reports.
	Validate(ctx context.Context, c drivers.Conn) (Validation, error)
	// Worker returns the operation stream of worker id of n. Workers are
	// deterministic: the same seed, id and n give the same stream. It
	// returns an error wrapping drivers.ErrUnsupported when c lacks the
	// pattern or an operation of the mix.
	Worker(c drivers.Conn, id, n int) (Worker, error)
}

// ShareValidator is an optional interface of a Workload whose answers can
// be checked on a share of its data: load parts [first, first+count) of
// parts, as one shard of a sharded run loads them. Other shards load the
// other parts into the same store (a server), possibly while it validates,
// or into their own (an embedded store), so ValidateShare may only ask
// what the share alone determines, whatever else the store holds: a record
// by its key, an aggregate over a window that only the share's rows fall
// in, a search whose every match is in the share — not a total over all
// rows. The runner calls it in place of Validate in a shard of a full run;
// without it such a shard is unvalidated (a run phase after a load phase
// validates all the data instead).
type ShareValidator interface {
	ValidateShare(ctx context.Context, c drivers.Conn, first, count, parts int) (Validation, error)
}

// Finisher is implemented by workloads whose stores may defer work to the
// end of the load phase (see drivers.LoadFinisher). The runner calls
// FinishLoad once, after every part of Load has returned.
type Finisher interface {
	FinishLoad(ctx context.Context, c drivers.Conn) error
}

// FinishStore calls s.FinishLoad if the pattern store s implements
// drivers.LoadFinisher; workloads use it to implement Finisher.
func FinishStore(ctx context.Context, s any) error {
	f, ok := s.(drivers.LoadFinisher)
	if !ok {
		return nil
	}
	if err := f.FinishLoad(ctx); err != nil {
		return fmt.Errorf("finish load: %w", err)
	}
	return nil
}

// StorageReporter is implemented by workloads whose stores may tell how
// many bytes their data take (see drivers.Sizer). The runner calls
// StoreSize after setup and again after the load; what is "" when the
// store does not tell.
type StorageReporter interface {
	StoreSize(ctx context.Context, c drivers.Conn) (n int64, what string, err error)
}

// StoreSize asks the pattern store s for its size if it implements
// drivers.Sizer; workloads use it to implement StorageReporter. what is ""
// when s cannot tell.
func StoreSize(ctx context.Context, s any) (n int64, what string, err error) {
	z, ok := s.(drivers.Sizer)
	if !ok {
		return 0, "", nil
	}
	n, what, err = z.Size(ctx)
	switch {
	case errors.Is(err, drivers.ErrUnsupported):
		return 0, "", nil // this instance cannot tell (an in-memory database)
	case err != nil:
		return 0, "", fmt.Errorf("store size: %w", err)
	}
	return n, what, nil
}

// Observer is implemented by workloads that measure figures of a measured
// phase beyond latency and throughput (the twitter scenario's routing
// counts, stale reads, servers' resource use). The runner calls
// BeginMeasure right before each measured phase and EndMeasure right after
// it, and records the figures, by name, in the phase's result.
type Observer interface {
	BeginMeasure(ctx context.Context, c drivers.Conn)
	EndMeasure(ctx context.Context, c drivers.Conn) map[string]float64
}

// Worker produces one worker's operations. It is used by one goroutine.
type Worker interface {
	// Next chooses and prepares the next operation; it is not timed. The
	// returned Op is only valid until the next call of Next, so a worker
	// can reuse one Op value per kind and allocate nothing per operation.
	Next() Op
}

// Op is one prepared operation.
type Op interface {
	// Kind indexes Workload.OpKinds.
	Kind() int
	// Do performs the operation against the store; it is the timed part.
	Do(ctx context.Context) error
}

// Progress receives the number of rows a loader has written.
type Progress interface {
	Add(rows int64)
}

// Validation is the outcome of Workload.Validate.
type Validation struct {
	// Checks is the number of answers compared.
	Checks int `json:"checks"`
	// Failed is the number of answers that differed from the expected ones.
	Failed int `json:"failed"`
	// Failures describes the first few failed checks.
	Failures []string `json:"failures,omitempty"`
	// Figures holds measured agreement figures that are not pass/fail
	// (e.g. search relevance agreement), by name.
	Figures map[string]float64 `json:"figures,omitempty"`
}

// MaxFailures bounds the failures a Validation describes.
const MaxFailures = 10

// Failf records a failed check.
func (v *Validation) Failf(format string, args ...any) {
	v.Checks++
	v.Failed++
	if len(v.Failures) < MaxFailures {
		v.Failures = append(v.Failures, fmt.Sprintf(format, args...))
	}
}

// Pass records a passed check.
func (v *Validation) Pass() { v.Checks++ }

// Check records a check that passed when ok, or a failure described by the
// format otherwise, and returns ok.
func (v *Validation) Check(ok bool, format string, args ...any) bool {
	if ok {
		v.Pass()
		return true
	}
	v.Failf(format, args...)
	return false
}

// OK reports whether every check passed.
func (v Validation) OK() bool { return v.Failed == 0 }

// Scale is a data size: one of the presets quick (seconds on an embedded
// store) and full (the catalogue's full sizes), or a factor relative to
// quick written as a decimal number ("0.1", "10", "100"). A factor f gives
// each pattern f times its quick size (see each pattern's DefaultConfig);
// factor 1 is quick itself. Full is a preset of its own: each pattern's full
// size is not one common factor of its quick size.
type Scale string

// The preset scales.
const (
	Quick Scale = "quick"
	Full  Scale = "full"
)

// Bounds of a scale factor.
const (
	MinScaleFactor = 0.001
	MaxScaleFactor = 100_000
)

// ParseScale checks a scale: "quick", "full" or a factor relative to quick
// in [MinScaleFactor, MaxScaleFactor]. The empty name and factor 1 mean
// Quick; other factors are written in their shortest form ("10.0" is "10").
func ParseScale(s string) (Scale, error) {
	switch Scale(strings.TrimSpace(s)) {
	case "", Quick:
		return Quick, nil
	case Full:
		return Full, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("unknown scale %q (use quick, full or a factor relative to quick such as 0.1, 10 or 100)", s)
	}
	if f < MinScaleFactor || f > MaxScaleFactor {
		return "", fmt.Errorf("scale factor %s out of range (use %g to %g times quick)", s, MinScaleFactor, float64(MaxScaleFactor))
	}
	if f == 1 {
		return Quick, nil
	}
	return Scale(strconv.FormatFloat(f, 'g', -1, 64)), nil
}

// ParseScales parses a comma-separated list of scales (a sweep), keeping
// their order and dropping repeats.
func ParseScales(list string) ([]Scale, error) {
	var out []Scale
	for part := range strings.SplitSeq(list, ",") {
		if strings.TrimSpace(part) == "" {
			return nil, fmt.Errorf("scales %q: empty entry (give a comma-separated list such as 1,10,100)", list)
		}
		sc, err := ParseScale(part)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// Factor returns the scale's factor relative to quick: 1 for quick, the
// number for a factor, and 0 for full (a preset of its own) or a scale
// that does not parse.
func (s Scale) Factor() float64 {
	switch s {
	case "", Quick:
		return 1
	case Full:
		return 0
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil || !(f > 0) {
		return 0
	}
	return f
}

// Size returns a count at the scale: full at Full, otherwise quick times
// the factor, rounded to the nearest integer and at least min.
func (s Scale) Size(quick, full, min int64) int64 {
	if s == Full {
		return full
	}
	return max(min, int64(math.Round(float64(quick)*s.Factor())))
}

// Curve returns a quantity that grows as a power of the factor: quick at
// factor 1, full at factor fullFactor (and at Full), and quick·f^e between
// and beyond, with e = ln(full/quick)/ln(fullFactor). Patterns whose data
// grows along two dimensions use it to split the growth between them (a
// graph's users and mean degree, series' hosts and time span) so that
// their full size lies on the curve.
func (s Scale) Curve(quick, full, fullFactor float64) float64 {
	if s == Full {
		return full
	}
	f := s.Factor()
	if f == 1 {
		return quick
	}
	return quick * math.Pow(f, math.Log(full/quick)/math.Log(fullFactor))
}

// Compare orders scales by size: quick is factor 1, full after every
// factor (each pattern's full size is at least 100 times its quick one).
func (s Scale) Compare(o Scale) int {
	key := func(x Scale) float64 {
		if x == Full {
			return math.Inf(1)
		}
		return x.Factor()
	}
	return cmp.Compare(key(s), key(o))
}

// Params are what every workload is built from.
type Params struct {
	// Seed drives all data and operation streams.
	Seed uint64
	// Scale picks the preset data size.
	Scale Scale
	// Options are workload-specific settings by name (from --set or a suite
	// file); each workload decodes them into its typed configuration with
	// DecodeOptions and rejects unknown names.
	Options map[string]any
}

// Factory builds a workload from parameters.
type Factory func(p Params) (Workload, error)

// Entry describes a registered workload.
type Entry struct {
	// Name is "pattern/variant".
	Name string
	// Summary is one line on what the workload does.
	Summary string
	// New builds the workload.
	New Factory
}

// Pattern returns the pattern part of the entry's name.
func (e Entry) Pattern() string { p, _, _ := strings.Cut(e.Name, "/"); return p }

var (
	mu       sync.RWMutex
	registry = map[string]Entry{}
	patterns = map[string]func(drivers.Conn) bool{}
)

// Register makes a workload available by name. It panics on an empty or
// duplicate name, a name without a pattern prefix, or a nil factory.
func Register(e Entry) {
	mu.Lock()
	defer mu.Unlock()
	if e.New == nil || e.Name == "" || !strings.Contains(e.Name, "/") {
		panic(fmt.Sprintf("workloads: bad Register of %q", e.Name))
	}
	if _, dup := registry[e.Name]; dup {
		panic("workloads: Register called twice for " + e.Name)
	}
	registry[e.Name] = e
}

// RegisterPattern records how to tell whether a connection supports an access
// pattern. Each pattern package calls it once in init.
func RegisterPattern(name string, supports func(drivers.Conn) bool) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := patterns[name]; dup {
		panic("workloads: RegisterPattern called twice for " + name)
	}
	patterns[name] = supports
}

// Supports reports whether c implements the named access pattern.
func Supports(c drivers.Conn, pattern string) bool {
	mu.RLock()
	f := patterns[pattern]
	mu.RUnlock()
	return f != nil && f(c)
}

// Patterns returns the registered access patterns, sorted.
func Patterns() []string {
	mu.RLock()
	defer mu.RUnlock()
	ps := make([]string, 0, len(patterns))
	for p := range patterns {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// Entries returns the registered workloads sorted by name.
func Entries() []Entry {
	mu.RLock()
	defer mu.RUnlock()
	es := make([]Entry, 0, len(registry))
	for _, e := range registry {
		es = append(es, e)
	}
	slices.SortFunc(es, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	return es
}

// Lookup finds a workload entry. A bare pattern name ("point") is not a
// workload; the error then lists the pattern's variants.
func Lookup(name string) (Entry, error) {
	mu.RLock()
	e, ok := registry[name]
	mu.RUnlock()
	if ok {
		return e, nil
	}
	var names []string
	for _, e := range Entries() {
		names = append(names, e.Name)
	}
	return Entry{}, fmt.Errorf("unknown workload %q (known: %s)", name, strings.Join(names, ", "))
}

// New builds the named workload.
func New(name string, p Params) (Workload, error) {
	e, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	w, err := e.New(p)
	if err != nil {
		return nil, fmt.Errorf("workload %s: %w", name, err)
	}
	return w, nil
}
