package runner

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/results"
)

// Progress is the result of a run while it runs. A caller that may have to
// write the result before Run returns — storefit quitting at once on a
// second Ctrl-C — passes one in Options and takes a Snapshot. Its methods
// are safe for concurrent use.
type Progress struct {
	mu   sync.Mutex
	res  *results.Result
	cell *cellProgress
	red  *drivers.Redactor
}

// Snapshot returns what the run has measured so far, or nil before it
// started: the finished cells, and the cell in progress marked interrupted
// with what it got to (its load, validation and the finished seconds of
// its measured phase). The result is marked incomplete with reason.
func (p *Progress) Snapshot(reason string) *results.Result {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.res == nil {
		return nil
	}
	r := *p.res
	r.Cells = append([]results.Cell(nil), p.res.Cells...)
	if p.cell != nil {
		c := p.cell.snapshot()
		c.Status = results.StatusInterrupted
		if c.Error == "" {
			c.Error = fmt.Sprintf("storefit quit while the cell was %s", p.cell.phaseName())
		}
		c.Redact(p.red.Redact)
		r.Cells = append(r.Cells, c)
	}
	r.FinishedAt = time.Now().UTC()
	r.Complete = false
	r.Interrupted = reason
	return &r
}

// begin publishes the result document of a run that starts.
func (p *Progress) begin(res *results.Result, red *drivers.Redactor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.res, p.red = res, red
}

// startCell publishes a cell that starts and returns its progress.
func (p *Progress) startCell(rc results.Cell) *cellProgress {
	cp := &cellProgress{phase: "starting"}
	cp.set(&rc, "starting")
	p.mu.Lock()
	p.cell = cp
	p.mu.Unlock()
	return cp
}

// endCell adds a finished cell to the result.
func (p *Progress) endCell(rc results.Cell) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.res.Cells = append(p.res.Cells, rc)
	p.cell = nil
}

// update changes the result document under the lock.
func (p *Progress) update(f func(*results.Result)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p.res)
}

// cellProgress is what a cell in progress has got to, published at the end
// of each of its phases (and, during its measured phase, the engine whose
// finished seconds can be read), so that a cell that has to be abandoned
// still reports what it measured. Its methods are safe for concurrent use
// and do nothing on a nil receiver.
type cellProgress struct {
	mu    sync.Mutex
	rc    results.Cell
	phase string
	// base and e are the measured phase in progress, if any.
	base time.Time
	e    *engine
}

// set publishes a copy of rc, now in phase ("loading", "measuring", …).
func (cp *cellProgress) set(rc *results.Cell, phase string) {
	if cp == nil {
		return
	}
	c := copyCell(rc)
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.rc, cp.phase = c, phase
}

// measuring publishes the engine of the measured phase that started at
// base; a nil e ends it.
func (cp *cellProgress) measuring(base time.Time, e *engine) {
	if cp == nil {
		return
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.base, cp.e = base, e
}

func (cp *cellProgress) phaseName() string {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return cp.phase
}

// snapshot returns the cell as published, with the finished seconds of a
// measured phase in progress as a partial run.
func (cp *cellProgress) snapshot() results.Cell {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c := copyCell(&cp.rc)
	if cp.e == nil {
		return c
	}
	run := &results.Run{Mode: results.ClosedLoop, Partial: true, MeasuredStart: cp.base.UTC(), Kinds: []results.OpStats{}}
	if cp.e.cfg.Rate > 0 {
		run.Mode, run.IntendedRate = results.OpenLoop, cp.e.cfg.Rate
	}
	run.Intervals = cp.e.ivs.snapshot()
	run.Seconds = float64(len(run.Intervals))
	for _, iv := range run.Intervals {
		run.Ops += iv.Ops
		run.Errors += iv.Errors
	}
	if run.Seconds > 0 {
		run.OpsPerSec = float64(run.Ops) / run.Seconds
	}
	c.Run = run
	return c
}

// copyCell returns a deep copy of c, which the goroutine running the cell
// may go on changing.
func copyCell(c *results.Cell) results.Cell {
	b, err := json.Marshal(c)
	if err != nil {
		return results.Cell{Workload: c.Workload, Store: c.Store, Status: c.Status, Error: c.Error}
	}
	var out results.Cell
	if err := json.Unmarshal(b, &out); err != nil {
		return results.Cell{Workload: c.Workload, Store: c.Store, Status: c.Status, Error: c.Error}
	}
	return out
}

// guardedDisplay passes progress to a Display with every secret of the run
// redacted, one call at a time, and drops the calls of a cell abandoned
// after the run returned.
type guardedDisplay struct {
	mu     sync.Mutex
	d      Display
	red    *drivers.Redactor
	closed bool
}

func (g *guardedDisplay) StartPhase(label string, total int64, unit string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.d.StartPhase(g.red.Redact(label), total, unit)
	}
}

func (g *guardedDisplay) Update(current int64, s Status) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	// The figures are storefit's own, but a stat may quote a store.
	if len(s.Stats) > 0 {
		stats := make([]Stat, len(s.Stats))
		for i, st := range s.Stats {
			stats[i] = Stat{Text: g.red.Redact(st.Text), Drop: st.Drop}
		}
		s.Stats = stats
	}
	g.d.Update(current, s)
}

func (g *guardedDisplay) EndPhase(summary string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.d.EndPhase(g.red.Redact(summary))
	}
}

func (g *guardedDisplay) Logf(format string, args ...any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.d.Logf("%s", g.red.Redact(fmt.Sprintf(format, args...)))
	}
}

// close drops every later call.
func (g *guardedDisplay) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
}
