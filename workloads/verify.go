package workloads

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"

	"github.com/storefit/storefit/drivers"
)

// The verify step. Validate checks the loaded data before the measured
// phase; after it, the verify step reads back what the run's writes should
// have left and compares it with what the workers know they wrote, so a
// store that acknowledges writes and loses or reorders them fails.
//
// A worker learns each operation's outcome from the runner (Acknowledger),
// outside the timed part, and keeps a Ledger: per key it wrote, the state
// its last acknowledged write left, and the states of its writes whose
// outcome is unknown. Several workers may write one key and the harness
// cannot order their writes exactly, so the rule for a key's final state
// is: one of the last acknowledged states of the workers that wrote it, or
// the state of any write of unknown outcome (it may have applied, late or
// not at all); the state before the run only when no worker's write of the
// key was acknowledged. A counter (a tweet's likes) must be at least its
// prior value plus the acknowledged increments and at most that plus the
// increments of unknown outcome. Where one worker alone writes a key (its
// own inserts, its own rows) the rule is exact: the last acknowledged
// write, unless a later write's outcome is unknown.

// LedgerSizer is implemented by workloads whose workers keep a Ledger:
// LedgerBytes is the memory the ledgers of a cell of workers workers take
// (fixed when the workers are made), for the memory estimate before a run.
type LedgerSizer interface {
	LedgerBytes(workers int) int64
}

// Acknowledger is an optional interface of a Worker whose operations write.
// The runner calls Acknowledge once after every operation it performed —
// in the warm-up and in every measured phase — with the error Do returned
// (or, for an operation it timed out, an error of its own), outside the
// timed part and before the next call of Next. An operation that Next
// prepared but the runner never performed (the phase ended first) is not
// acknowledged. If a Worker does not implement it, its writes are not
// verified.
type Acknowledger interface {
	Acknowledge(err error)
}

// Verifier is implemented by workloads whose writes can be read back after
// the measured phase. Verify reads back, from c, what the acknowledged
// writes of s.Workers (and, for a workload whose run only reads, the load)
// should have left, and reports every comparison as a check; a difference
// is a failed check, not an error. The error is for failures to ask (a dead
// server). Verify consumes the workers' ledgers: it is called once, after
// the last measured phase of a cell.
type Verifier interface {
	Verify(ctx context.Context, c drivers.Conn, s VerifyScope) (Verification, error)
}

// VerifyScope is what Verify may assume about the run it checks.
type VerifyScope struct {
	// Workers are this process's operation streams, as Worker returned
	// them; each has been told the outcome of every operation performed.
	// In a sharded run other processes ran the other workers: a workload
	// then verifies only the keys no other worker can write.
	Workers []Worker
	// Fresh is true when the store held exactly the loaded data when the
	// workers' first operation began (setup and the whole load ran in this
	// cell). When false (--phase run on data an earlier run may have
	// changed, a shard that loaded only its share), only what the workers'
	// own acknowledged writes imply is checked.
	Fresh bool
	// Shard and Shards place this process among the shards of the run (0
	// of 1 unsharded): read-backs that no worker's writes decide (series'
	// ingest) are split among shards.
	Shard, Shards int
	// Readers is the number of concurrent read-back goroutines.
	Readers int
}

// Verification is the outcome of Verify: the checks (each a read-back
// compared with what the writes should have left), and how much they
// covered.
type Verification struct {
	Validation
	// Writes is the number of acknowledged writes whose effect the checks
	// covered (for a workload whose run only reads, the loaded rows read
	// back).
	Writes int64
	// Unknown is the number of writes whose outcome is unknown (timed
	// out, cancelled, failed without saying whether they applied): each
	// was accepted applied or not.
	Unknown int64
	// Keys is the number of keys (records, rows, tweets, readings) read
	// back.
	Keys int64
	// Skipped says what the checks did not cover, and why (keys other
	// shards also write); empty when they covered every write.
	Skipped string
}

// Outcome is what an operation's error says about whether its write
// applied.
type Outcome uint8

// Outcomes.
const (
	// Acked: the store acknowledged the write (no error).
	Acked Outcome = iota
	// Rejected: the store said the write did not apply (the key was not
	// found, or already exists).
	Rejected
	// Unknown: the operation timed out, was cancelled or failed without
	// saying whether the write applied; it may have, late or not at all.
	Unknown
)

// OutcomeOf classifies the error of a write: nil is Acked; an error
// wrapping drivers.ErrNotFound, drivers.ErrUnsupported or one of rejections
// is Rejected; any other error is Unknown.
func OutcomeOf(err error, rejections ...error) Outcome {
	if err == nil {
		return Acked
	}
	if errors.Is(err, drivers.ErrNotFound) || errors.Is(err, drivers.ErrUnsupported) {
		return Rejected
	}
	for _, r := range rejections {
		if errors.Is(err, r) {
			return Rejected
		}
	}
	return Unknown
}

// A Ledger is one worker's record of its writes, for the verify step. Keys
// and states are the workload's encoding: a key is a record number and a
// sub-key (a field, a column, an aspect) packed as record<<shift | sub; a
// state is a value's version, a row's absence. It is used by one
// goroutine.
//
// Memory is fixed when the ledger is made (NewLedger): a dense array of
// one 8-byte state per (record, sub-key) of the records the worker may
// write that the workload knew before the run (its loaded records), off
// the Go heap where the system allows (ledgerMemory), so recording a write
// allocates nothing and a long run does not grow it. When that key space
// is too large for LedgerBudget, one record in Stride is tracked (a
// deterministic sample, the same for every worker) and the others are not
// verified. Only what the key space cannot know up front grows: keys of records created in the run (inserts, created tweets),
// kept in maps (about 40 bytes a key), and writes of unknown outcome (24
// bytes each), which only failed operations make. The zero value tracks
// every key in maps, as a ledger without a key space. A Ledger from
// NewLedger is used through its pointer, never copied (its dense arrays
// are given back when it is drained or collected).
type Ledger struct {
	space   LedgerSpace
	tracked int64 // records tracked in the dense arrays: ceil(Records/Stride)
	// The dense arrays, in one block of memory (mem, given back by free):
	// by slot, 8 bytes of state (the last acknowledged state, or a
	// counter's acknowledged increments) and two bits: state holds an
	// acknowledged state (isAcked), or increments (isCounted).
	mem                       []byte
	free                      func([]byte)
	cleanup                   runtime.Cleanup
	state, isAcked, isCounted []byte

	last    map[uint64]uint64 // keys outside the space: the last acknowledged state
	counts  map[uint64]uint64 // keys outside the space: acknowledged increments
	unknown []entry           // writes of unknown outcome (kindUnknown, kindMaybe), any key

	acked, unknowns, rejected int64 // writes, by outcome
}

// LedgerSpace is the key space a Ledger holds in its dense arrays: records
// First, First+Step, … (Records of them), each with Subs sub-keys below
// 1<<Shift. Keys of other records are kept in maps.
type LedgerSpace struct {
	Shift   uint
	Subs    int
	First   int64
	Step    int64
	Records int64
	// Stride: one record in Stride of the space is tracked (1: all), the
	// records First + i·Step·Stride. Set by NewLedger.
	Stride int64
}

// LedgerBudget is the memory the dense arrays of one cell's ledgers may
// take together; a larger key space is sampled (LedgerSpace.Stride).
const LedgerBudget = 128 << 20

// slotBytes is the memory of one slot of a ledger's dense arrays: the state
// and two bits.
const slotBytes = 8.25

// LedgerPlan returns the stride with which ledgers ledgers (one per writing
// worker) over records records of subs sub-keys each stay within
// LedgerBudget together, and the bytes their dense arrays then take
// (bytes is what the memory estimate before a run adds for the ledgers).
func LedgerPlan(records int64, subs, ledgers int) (stride, bytes int64) {
	if records <= 0 || subs <= 0 || ledgers <= 0 {
		return 1, 0
	}
	per := float64(subs) * slotBytes * float64(ledgers) // one record in every ledger
	stride = max(1, int64(math.Ceil(float64(records)*per/LedgerBudget)))
	tracked := (records + stride - 1) / stride
	return stride, int64(math.Ceil(float64(tracked) * per))
}

// NewLedger returns a ledger over space, one of ledgers alike (the workers
// that write the space, which all sample the same records): its dense
// arrays are allocated now and do not grow.
func NewLedger(space LedgerSpace, ledgers int) *Ledger {
	space.Step = max(space.Step, 1)
	space.Stride, _ = LedgerPlan(space.Records, space.Subs, ledgers)
	l := &Ledger{space: space}
	if space.Records > 0 && space.Subs > 0 {
		l.tracked = (space.Records + space.Stride - 1) / space.Stride
		slots := int(l.tracked) * space.Subs
		bitBytes := (slots + 7) / 8
		l.mem, l.free = ledgerMemory(8*slots + 2*bitBytes)
		l.state = l.mem[:8*slots]
		l.isAcked = l.mem[8*slots : 8*slots+bitBytes]
		l.isCounted = l.mem[8*slots+bitBytes:]
		if l.free != nil {
			// A ledger Verify never drained (a cell that failed, or
			// ran without validation) gives its memory back when it
			// is collected.
			l.cleanup = runtime.AddCleanup(l, l.free, l.mem)
		}
	}
	return l
}

// Stride returns how many records of the ledger's space there are per
// tracked one (1: all are tracked).
func (l *Ledger) Stride() int64 { return max(l.space.Stride, 1) }

// slot returns the dense slot of key; in is false for a key of a record
// outside the space (kept in maps), and skip true for one of a record the
// sample leaves out.
func (l *Ledger) slot(key uint64) (slot int64, in, skip bool) {
	if l.tracked == 0 {
		return 0, false, false
	}
	sp := &l.space
	rel := int64(key>>sp.Shift) - sp.First
	sub := int64(key & (1<<sp.Shift - 1))
	if rel < 0 || rel%sp.Step != 0 || sub >= int64(sp.Subs) {
		return 0, false, false
	}
	rel /= sp.Step
	if rel >= sp.Records {
		return 0, false, false
	}
	if rel%sp.Stride != 0 {
		return 0, false, true
	}
	return rel/sp.Stride*int64(sp.Subs) + sub, true, false
}

// Count counts one write operation by its outcome (for the figures of the
// verification; an operation may Set several keys).
func (l *Ledger) Count(o Outcome) {
	switch o {
	case Acked:
		l.acked++
	case Unknown:
		l.unknowns++
	default:
		l.rejected++
	}
}

// Set records that a write of outcome o left key in state: an acknowledged
// write replaces the key's last state, one of unknown outcome adds a
// possible state, a rejected one changes nothing.
func (l *Ledger) Set(key, state uint64, o Outcome) {
	if o == Rejected {
		return
	}
	i, in, skip := l.slot(key)
	switch {
	case skip:
	case o == Unknown:
		l.unknown = append(l.unknown, entry{key, state, kindUnknown})
	case in:
		binary.NativeEndian.PutUint64(l.state[8*i:], state)
		l.isAcked[i>>3] |= 1 << (i & 7)
	default:
		if l.last == nil {
			l.last = map[uint64]uint64{}
		}
		l.last[key] = state
	}
}

// Add records an increment of counter key by a write of outcome o.
func (l *Ledger) Add(key uint64, o Outcome) {
	if o == Rejected {
		return
	}
	i, in, skip := l.slot(key)
	switch {
	case skip:
	case o == Unknown:
		l.unknown = append(l.unknown, entry{key, 1, kindMaybe})
	case in:
		binary.NativeEndian.PutUint64(l.state[8*i:], binary.NativeEndian.Uint64(l.state[8*i:])+1)
		l.isCounted[i>>3] |= 1 << (i & 7)
	default:
		if l.counts == nil {
			l.counts = map[uint64]uint64{}
		}
		l.counts[key]++
	}
}

// WorkerLedgers gathers the ledgers of a Verify's workers, which must all
// be of the workload's worker type P (ledger returns each one's Ledger), and adds
// their acknowledged and unknown-outcome writes to ver. It returns the
// workers typed, in order; name (the workload's) starts the error.
func WorkerLedgers[P Worker](name string, workers []Worker, ver *Verification, ledger func(P) *Ledger) ([]P, []*Ledger, error) {
	ws := make([]P, 0, len(workers))
	ledgers := make([]*Ledger, 0, len(workers))
	for _, g := range workers {
		k, ok := g.(P)
		if !ok {
			return nil, nil, fmt.Errorf("%s verify: worker of type %T", name, g)
		}
		l := ledger(k)
		a, u := l.Writes()
		ver.Writes += a
		ver.Unknown += u
		ws = append(ws, k)
		ledgers = append(ledgers, l)
	}
	if len(ledgers) > 0 && ledgers[0].Stride() > 1 {
		ver.Skip(fmt.Sprintf("records other than one in %d of those loaded: their key space is too large for the ledgers' memory budget (%d MiB), so the ledgers track a sample", ledgers[0].Stride(), LedgerBudget>>20))
	}
	return ws, ledgers, nil
}

// Skip adds what to what the checks did not cover.
func (v *Verification) Skip(what string) {
	if v.Skipped != "" {
		v.Skipped += "; "
	}
	v.Skipped += what
}

// Writes returns the number of acknowledged writes and of writes of
// unknown outcome counted so far.
func (l *Ledger) Writes() (acked, unknown int64) { return l.acked, l.unknowns }

// Candidates is what the final state of one key may be, given the ledgers
// of every worker that wrote it.
type Candidates struct {
	Key uint64
	// States are the states the key may be in: the last acknowledged state
	// of each worker that wrote it, and the state of every write of
	// unknown outcome (ascending, without repeats).
	States []uint64
	// Prior is true when the key may still be in the state it had before
	// the run: no worker's write of it was acknowledged.
	Prior bool
	// Added and Maybe are a counter's acknowledged increments and those of
	// unknown outcome: it must be within [before+Added, before+Added+Maybe].
	Added, Maybe int64
}

// Allows reports whether state is one the key may be in (prior is the
// state before the run).
func (c *Candidates) Allows(state, prior uint64) bool {
	return slices.Contains(c.States, state) || c.Prior && state == prior
}

// Record is the ledgers' keys of one record (the keys that share Key>>shift
// in ReadBack), ascending.
type Record struct {
	ID   uint64
	Keys []Candidates
}

// A Checker reads one record back and records the comparison in v. It is
// used by one goroutine. Its error is for failures to ask.
type Checker func(ctx context.Context, r *Record, v *Validation) error

// entry is one ledger fact, for merging.
type entry struct {
	key, state uint64
	kind       uint8
}

// Entry kinds, in the order merged facts are sorted.
const (
	kindAcked = iota
	kindUnknown
	kindAdded
	kindMaybe
)

// drain moves the ledger's facts into dst and empties it (its dense
// arrays are freed).
func (l *Ledger) drain(dst []entry) []entry {
	sp := &l.space
	for w, word := range l.isAcked {
		dst = l.drainBits(dst, w, word, kindAcked)
	}
	for w, word := range l.isCounted {
		dst = l.drainBits(dst, w, word, kindAdded)
	}
	for k, s := range l.last {
		dst = append(dst, entry{k, s, kindAcked})
	}
	for k, n := range l.counts {
		dst = append(dst, entry{k, n, kindAdded})
	}
	dst = append(dst, l.unknown...)
	if l.free != nil {
		l.cleanup.Stop()
		l.free(l.mem)
	}
	*l = Ledger{space: *sp, acked: l.acked, unknowns: l.unknowns, rejected: l.rejected}
	return dst
}

// drainBits appends the facts of the slots set in byte w of a bit set.
func (l *Ledger) drainBits(dst []entry, w int, word byte, kind uint8) []entry {
	sp := &l.space
	for word != 0 {
		b := bits.TrailingZeros8(word)
		word &= word - 1
		i := int64(w)*8 + int64(b)
		rec := sp.First + i/int64(sp.Subs)*sp.Stride*sp.Step
		dst = append(dst, entry{uint64(rec)<<sp.Shift | uint64(i%int64(sp.Subs)), binary.NativeEndian.Uint64(l.state[8*i:]), kind})
	}
	return dst
}

// readBackBatch is the number of records a reader takes at a time.
const readBackBatch = 64

// ReadBack merges the ledgers (consuming them), groups their keys into
// records by key>>shift, and checks every record for which keep returns
// true (nil keeps all) with a Checker from newChecker, one per reader
// (newChecker is called before the readers start), on readers goroutines. It returns the merged checks and the number of
// records checked. Peak memory is about 24 bytes per (key, worker) fact,
// which the ledgers give up as they are merged.
func ReadBack(ctx context.Context, ledgers []*Ledger, shift uint, readers int, keep func(id uint64) bool, newChecker func() Checker) (Validation, int64, error) {
	var facts []entry
	for _, l := range ledgers {
		facts = l.drain(facts)
	}
	slices.SortFunc(facts, func(a, b entry) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		if c := cmp.Compare(a.kind, b.kind); c != 0 {
			return c
		}
		return cmp.Compare(a.state, b.state)
	})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	readers = max(readers, 1)
	batches := make(chan []Record, readers)
	results := make([]Validation, readers)
	errs := make([]error, readers)
	var wg sync.WaitGroup
	for i := range readers {
		check := newChecker()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				for j := range b {
					if errs[i] != nil || ctx.Err() != nil {
						continue // drain
					}
					if err := check(ctx, &b[j], &results[i]); err != nil {
						errs[i] = err
						cancel()
					}
				}
			}
		}()
	}
	records := groupRecords(ctx, facts, shift, keep, batches)
	close(batches)
	wg.Wait()
	var v Validation
	for _, r := range results {
		v.Merge(r)
	}
	for _, err := range errs {
		if err != nil {
			return v, records, err
		}
	}
	return v, records, ctx.Err()
}

// groupRecords turns sorted facts into records and sends them in batches;
// it returns the number of records sent.
func groupRecords(ctx context.Context, facts []entry, shift uint, keep func(uint64) bool, out chan<- []Record) int64 {
	var n int64
	batch := make([]Record, 0, readBackBatch)
	for i := 0; i < len(facts) && ctx.Err() == nil; {
		id := facts[i].key >> shift
		j := i
		for j < len(facts) && facts[j].key>>shift == id {
			j++
		}
		if keep == nil || keep(id) {
			batch = append(batch, Record{ID: id, Keys: candidates(facts[i:j])})
			n++
			if len(batch) == cap(batch) {
				out <- batch
				batch = make([]Record, 0, readBackBatch)
			}
		}
		i = j
	}
	if len(batch) > 0 {
		out <- batch
	}
	return n
}

// candidates merges the sorted facts of one record into its keys'
// candidates.
func candidates(facts []entry) []Candidates {
	var cs []Candidates
	for i := 0; i < len(facts); {
		c := Candidates{Key: facts[i].key, Prior: true}
		for ; i < len(facts) && facts[i].key == c.Key; i++ {
			f := facts[i]
			switch f.kind {
			case kindAcked:
				c.Prior = false
				fallthrough
			case kindUnknown:
				c.States = append(c.States, f.state)
			case kindAdded:
				c.Added += int64(f.state)
			case kindMaybe:
				c.Maybe += int64(f.state)
			}
		}
		slices.Sort(c.States)
		c.States = slices.Compact(c.States)
		cs = append(cs, c)
	}
	return cs
}

// Merge adds o's checks and failures to v (failures up to MaxFailures) and
// its figures (o's replace v's of the same name).
func (v *Validation) Merge(o Validation) {
	v.Checks += o.Checks
	v.Failed += o.Failed
	for _, f := range o.Failures {
		if len(v.Failures) < MaxFailures {
			v.Failures = append(v.Failures, f)
		}
	}
	for k, x := range o.Figures {
		if v.Figures == nil {
			v.Figures = map[string]float64{}
		}
		v.Figures[k] = x
	}
}

// RefreshStore calls s.Refresh if the pattern store s implements
// drivers.Refresher, so that reads see every acknowledged write; workloads
// call it before reading back.
func RefreshStore(ctx context.Context, s any) error {
	r, ok := s.(drivers.Refresher)
	if !ok {
		return nil
	}
	if err := r.Refresh(ctx); err != nil {
		return fmt.Errorf("refresh before reading back: %w", err)
	}
	return nil
}

// ReadEach checks items 0 … n-1 for which keep returns true (nil keeps all)
// on readers goroutines, each with a Checker-like function from newCheck
// (called before the readers start), and returns the merged checks and the
// number of items checked. It is ReadBack for read-backs that no ledger
// decides (the loaded series readings, host by host).
func ReadEach(ctx context.Context, n int, readers int, keep func(i int) bool, newCheck func() func(ctx context.Context, i int, v *Validation) error) (Validation, int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	readers = max(readers, 1)
	next := make(chan int, readers)
	results := make([]Validation, readers)
	errs := make([]error, readers)
	var wg sync.WaitGroup
	for r := range readers {
		check := newCheck()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if errs[r] != nil || ctx.Err() != nil {
					continue // drain
				}
				if err := check(ctx, i, &results[r]); err != nil {
					errs[r] = err
					cancel()
				}
			}
		}()
	}
	var count int64
	for i := 0; i < n && ctx.Err() == nil; i++ {
		if keep == nil || keep(i) {
			next <- i
			count++
		}
	}
	close(next)
	wg.Wait()
	var v Validation
	for _, r := range results {
		v.Merge(r)
	}
	for _, err := range errs {
		if err != nil {
			return v, count, err
		}
	}
	return v, count, ctx.Err()
}
