package syncwl

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads"
)

var _ workloads.Observer = (*Workload)(nil)

// BeginMeasure opens the engine's measuring window: the changes committed
// from now on count in the lag.
func (w *Workload) BeginMeasure(ctx context.Context, c drivers.Conn) {
	if e := w.engine(); e != nil {
		e.BeginMeasure(time.Now())
	}
}

// EndMeasure closes the window: changes still pending count with their
// age. The figures go to the result's sync section (FinishRun), not here.
func (w *Workload) EndMeasure(ctx context.Context, c drivers.Conn) map[string]float64 {
	if e := w.engine(); e != nil {
		e.EndMeasure(time.Now())
	}
	return nil
}

func (w *Workload) engine() *syncer.Engine {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.eng
}

// FinishRun drains the strategy (every view shows every committed change),
// stops the background work, reconciles every view with the source of
// truth, rebuilds a projection under event sourcing, and fills c.Sync;
// then it removes what the strategy created and closes the engine. The
// runner calls it once per cell (see runner.RunFinisher).
func (w *Workload) FinishRun(ctx context.Context, conn drivers.Conn, c *results.Cell) {
	interrupted := ctx.Err() != nil // Ctrl-C: clean up, do not drain
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.DrainTimeout+5*time.Minute)
	defer cancel()
	eng := w.engine()
	if eng == nil {
		return
	}
	w.stopFaults()
	var errs []string
	sec := &results.Sync{Strategy: w.strategy}
	measured := c.Run != nil && !interrupted
	if measured {
		t0 := time.Now()
		dctx, dcancel := context.WithTimeout(ctx, w.cfg.DrainTimeout)
		err := eng.Drain(dctx)
		dcancel()
		sec.DrainSeconds = time.Since(t0).Seconds()
		sec.Drained = err == nil
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	eng.Stop()
	if measured {
		if err := w.fill(ctx, c, sec, eng); err != nil {
			errs = append(errs, err.Error())
		}
		c.Sync = sec
	}
	if err := eng.Close(ctx); err != nil {
		errs = append(errs, err.Error())
	}
	w.mu.Lock()
	w.eng = nil
	w.mu.Unlock()
	if len(errs) > 0 && c.Error == "" {
		c.Error = "sync: " + strings.Join(errs, "; ")
		if c.Status == results.StatusOK {
			c.Status = results.StatusFailed
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// fill computes the section's figures.
func (w *Workload) fill(ctx context.Context, c *results.Cell, sec *results.Sync, eng *syncer.Engine) error {
	run := c.Run
	start := run.MeasuredStart
	all := run.Overall()
	sec.Writes, sec.WriteP50Us, sec.WriteP99Us = run.Ops+run.Errors, all.P50, all.P99
	if u, ok := run.OverallUncorrected(); ok {
		sec.WriteServiceP50Us, sec.WriteServiceP99Us = u.P50, u.P99
	}
	if run.Seconds > 0 {
		sec.AchievedRate = float64(sec.Writes) / run.Seconds
	}
	w.mu.Lock()
	for _, e := range w.events {
		sec.Faults = append(sec.Faults, results.SyncFault{AtSeconds: e.at.Sub(start).Seconds(), Kind: e.kind, Target: e.tgt,
			DurationSeconds: e.dur.Seconds(), Probability: e.p, Note: e.note})
	}
	w.mu.Unlock()
	slices.SortFunc(sec.Faults, func(a, b results.SyncFault) int { return cmp.Compare(a.AtSeconds, b.AtSeconds) })
	st := eng.Stats()
	sec.Restarts, sec.Crashes, sec.WriterCrashes = st.Restarts, st.Crashes, st.WriterCrashes
	divs, err := eng.Reconcile(ctx)
	rows := w.gen.Rows()
	for i, v := range st.Views {
		sv := results.SyncView{Name: v.Name, Store: v.Store, Delivered: v.Delivered, FailedApplies: v.Failed, Retries: v.Retries,
			Injected: v.Injected, Replays: v.Lag.Replays, Changes: v.Lag.Changes, PendingAtEnd: v.Lag.PendingAtEnd,
			OldestPendingMs: ms(v.Lag.Oldest), LagMeanMs: ms(v.Lag.Mean), LagP50Ms: ms(v.Lag.P50), LagP99Ms: ms(v.Lag.P99), LagMaxMs: ms(v.Lag.Max)}
		n := int(run.Seconds + 0.999)
		series := make([]results.SyncLagPoint, n)
		for t := range series {
			series[t].T = t
			if t < len(v.Lag.Series) {
				series[t].MaxMs = v.Lag.Series[t]
			}
		}
		sv.LagSeries = series
		sv.LagSlope = slope(series[len(series)/2:])
		sv.LagGrowing = sv.LagSlope > 50
		if divs != nil {
			d := divs[i]
			sv.Rows, sv.Missing, sv.Extra, sv.Different, sv.Divergence, sv.Samples = d.Rows, d.Missing, d.Extra, d.Different, d.Total(), d.Samples
		}
		if w.strategy == "dual" {
			e := eng.Ledger().Diverged(i, func(k syncer.Key) string { return w.loaded(rows, k) })
			sv.ExpectedDivergence = &e
		}
		sec.Views = append(sec.Views, sv)
	}
	if w.strategy == "event-sourcing" && w.cfg.Rebuild != "none" {
		sec.Rebuild = w.rebuild(ctx, eng)
	}
	sec.Verdict = Verdict(sec)
	return err
}

// rebuild drops one projection, rebuilds it from offset 0 of the log and
// reconciles it with the log folded from its start.
func (w *Workload) rebuild(ctx context.Context, eng *syncer.Engine) *results.SyncRebuild {
	out := &results.SyncRebuild{View: w.cfg.Rebuild}
	i := slices.Index(eng.Views(), w.cfg.Rebuild)
	if i < 0 {
		out.Error = fmt.Sprintf("no view %q (views: %s)", w.cfg.Rebuild, strings.Join(eng.Views(), ", "))
		return out
	}
	if d, ok := eng.Sink(i).(syncer.Describer); ok {
		out.Store = d.Store()
	}
	r, err := eng.Rebuild(ctx, w.cfg.Rebuild)
	out.Events, out.Records, out.Seconds, out.EventsPerSecond = r.Events, r.Records, r.Seconds, r.EventsPerSecond()
	if err != nil {
		out.Error = err.Error()
		return out
	}
	truth, err := eng.Truth()
	if err == nil {
		var divs []syncer.Divergence
		if divs, err = syncer.Reconcile(ctx, truth, []syncer.Sink{eng.Sink(i)}); err == nil {
			out.Rows, out.Divergence, out.Samples = divs[0].Rows, divs[0].Total(), divs[0].Samples
		}
	}
	if err != nil {
		out.Error = "reconcile the rebuilt view: " + err.Error()
	}
	return out
}

// slope returns the least-squares slope of MaxMs over T, in ms per second.
func slope(ps []results.SyncLagPoint) float64 {
	if len(ps) < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for _, p := range ps {
		x, y := float64(p.T), p.MaxMs
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	n := float64(len(ps))
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}

// strategyNames name the strategies in verdicts.
var strategyNames = map[string]string{"dual": "dual writes", "cdc-logical": "CDC by logical decoding", "outbox": "the outbox relay",
	"cdc-debezium": "CDC through Debezium and Kafka", "event-sourcing": "event sourcing"}

// Verdict sums a sync section up in one sentence.
func Verdict(s *results.Sync) string {
	var faults []string
	for _, f := range s.Faults {
		switch f.Kind {
		case "write-failures":
			faults = append(faults, fmt.Sprintf("%g%% view write failures", 100*f.Probability))
		case "writer-crashes":
			faults = append(faults, fmt.Sprintf("%g%% of writers crashing between their writes", 100*f.Probability))
		case "view-down":
			faults = append(faults, fmt.Sprintf("%s down %gs", f.Target, f.DurationSeconds))
		case "consumer-restart":
			faults = append(faults, "consumers killed and restarted")
		case "consumer-crash":
			faults = append(faults, "a consumer crashed between apply and commit")
		}
	}
	under := "without faults"
	if len(faults) > 0 {
		under = "under " + strings.Join(faults, ", ")
	}
	var lost, clean []string
	worst := 0.0
	var pending int64
	for _, v := range s.Views {
		worst = max(worst, v.LagP99Ms)
		pending += v.PendingAtEnd
		if v.Divergence > 0 {
			lost = append(lost, fmt.Sprintf("%d of %d rows in the %s view (%s)", v.Divergence, v.Rows, v.Name, v.Store))
		} else {
			clean = append(clean, v.Name)
		}
	}
	name := strategyNames[s.Strategy]
	if name == "" {
		name = s.Strategy
	}
	drained := ""
	if !s.Drained {
		drained = " (the views had NOT caught up when the drain timed out)"
	}
	lag := fmt.Sprintf("worst commit-to-visible lag p99 %.0f ms", worst)
	if pending > 0 {
		lag += fmt.Sprintf(" (%d changes still pending as the phase ended counted at their age)", pending)
	}
	if len(lost) > 0 {
		none := ""
		if len(clean) > 0 {
			none = " (none in " + strings.Join(clean, ", ") + ")"
		}
		return fmt.Sprintf("%s %s, %d writes: lost or left different %s after draining%s%s; %s.",
			name, under, s.Writes, strings.Join(lost, ", "), none, drained, lag)
	}
	return fmt.Sprintf("%s %s, %d writes: 0 rows lost or different in any view after draining%s; %s.",
		name, under, s.Writes, drained, lag)
}
