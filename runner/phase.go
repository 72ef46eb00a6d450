package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/storefit/storefit/drivers"
)

// Phases a run executes (Plan.Phase).
const (
	// PhaseAll runs every phase: setup, load, validate, warm-up, measured
	// run. It is the default.
	PhaseAll = "all"
	// PhaseLoad runs setup and load (with the workload's FinishLoad) and
	// stops: the data stays in the store for later runs of PhaseRun.
	PhaseLoad = "load"
	// PhaseRun skips setup and load and measures against the data an
	// earlier PhaseLoad run left in the store, validating it first (unless
	// Plan.SkipValidation). The store must keep its data between
	// processes: a server store, or an embedded store given a DSN path.
	PhaseRun = "run"
)

// StartTolerance is how late a cell may reach its coordinated start
// (Plan.StartAt) and still start measuring: the measured phase then begins
// at once, with its schedule and intervals still counted from the
// coordinated instant. Later than that the cell fails, since it would no
// longer run beside the other shards.
const StartTolerance = time.Second

// checkPhase reports what makes the phase settings of a plan impossible.
func (p Plan) checkPhase() error {
	switch p.Phase {
	case "", PhaseAll, PhaseLoad, PhaseRun:
	default:
		return fmt.Errorf("phase %q: use load, run or all", p.Phase)
	}
	if p.StartEvery < 0 {
		return fmt.Errorf("start-every must not be negative")
	}
	if p.StartAt.IsZero() {
		if p.StartEvery > 0 {
			return fmt.Errorf("start-every spaces the coordinated starts of cells; give start-at too")
		}
	} else {
		if p.Phase == PhaseLoad {
			return fmt.Errorf("start-at times the measured phase, which a load-only run does not have")
		}
		if n := max(p.Repeat, 1) * len(p.Cells); n > 1 && p.StartEvery == 0 {
			return fmt.Errorf("start-at with %d cells: give start-every, the time between the cells' measured starts (at least the longest cell's load, warm-up and measured phase)", n)
		}
		for _, c := range p.Cells {
			if c.Config.FindMax {
				return fmt.Errorf("find-max cannot start at a coordinated instant: its steps have no fixed length")
			}
		}
	}
	if p.Phase == PhaseRun {
		for _, c := range p.Cells {
			info, ok := drivers.Describe(c.Store)
			if !ok || !info.Embedded || (info.Conn != nil && drivers.DiscardsData(info.Conn)) {
				continue // servers keep data; a sink has none to keep
			}
			if info.Oracle {
				return fmt.Errorf("%s keeps its data only inside one process: the run phase needs a store that keeps data (a server store, or an embedded store with a DSN path)", c.Store)
			}
			if c.DSN == "" {
				return fmt.Errorf("%s: the run phase needs the data an earlier load phase left behind; give the embedded store a DSN path (e.g. %s=/data/%s.db) in both phases", c.Store, c.Store, c.Store)
			}
		}
	}
	return nil
}

// cellStart returns the coordinated start of the measured phase of the
// k-th cell the plan runs (from 0), or the zero time without StartAt.
func (p Plan) cellStart(k int) time.Time {
	if p.StartAt.IsZero() {
		return time.Time{}
	}
	return p.StartAt.Add(time.Duration(k) * p.StartEvery)
}

// sleepUntil waits until t or until ctx is done, sleeping coarsely and then
// spinning for the last moment (see waitUntil), so the measured phases of
// shards on synchronized clocks start within microseconds of each other.
func sleepUntil(ctx context.Context, t time.Time) error {
	for {
		d := time.Until(t)
		if d <= 0 {
			return nil
		}
		if d > 50*time.Millisecond {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(d - 20*time.Millisecond):
			}
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		base := time.Now()
		waitUntil(base, d, func() bool { return ctx.Err() != nil })
		return ctx.Err()
	}
}

// startSettle is how long before a coordinated start the warm-up ends:
// time for its last operations to finish, the figures to be reset and the
// CPU counters read, so the workers can start on the instant.
const startSettle = 20 * time.Millisecond

// awaitStart prepares a coordinated start: it fails when the cell is ready
// more than StartTolerance after m.start, else waits (showing a countdown)
// until the warm-up must begin: warmup + startSettle before m.start.
func (m *measurer) awaitStart(ctx context.Context, warmup time.Duration) error {
	if late := time.Since(m.start); late > StartTolerance {
		return fmt.Errorf("the measured phase should have started at %s (--start-at), but the cell was ready only %s later: give a later --start-at (or a longer --start-every)",
			m.start.UTC().Format(time.RFC3339Nano), late.Round(time.Millisecond))
	}
	if m.warmed {
		return nil
	}
	begin := m.start.Add(-warmup - startSettle)
	if wait := time.Until(begin); wait > 0 {
		m.disp.StartPhase(fmt.Sprintf("wait %s for the start at %s", m.live.name(), m.start.UTC().Format("15:04:05.000")), int64(wait/time.Millisecond), "ms")
		stop := tickPhase(m.disp, time.Now(), wait, nil)
		err := sleepUntil(ctx, begin)
		stop()
		m.disp.EndPhase(fmt.Sprintf("waited %s for the coordinated start", wait.Round(time.Millisecond)))
		return err
	}
	return nil
}
