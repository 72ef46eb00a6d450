package syncwl

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/results"
)

// FinishRun drains the strategy (a last marker must show in every view),
// stops the background work, reconciles every view with the source and
// fills c.Sync; then it drops the strategy's source objects (slot,
// publication) and closes the views. The runner calls it once per cell
// (see runner.RunFinisher).
func (w *Workload) FinishRun(ctx context.Context, conn drivers.Conn, c *results.Cell) {
	interrupted := ctx.Err() != nil // Ctrl-C: clean up, do not drain
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.DrainTimeout+2*time.Minute)
	defer cancel()
	w.mu.Lock()
	strat, pr, views, src := w.strat, w.probe, w.views, w.src
	w.mu.Unlock()
	var errs []string
	sec := &results.Sync{Strategy: w.strategy, MarkerIntervalMs: ms(w.cfg.MarkerInterval), PollIntervalMs: ms(w.cfg.PollInterval)}
	measured := c.Run != nil && strat != nil && pr != nil && !interrupted

	if measured {
		t0 := time.Now()
		seq, err := w.drain(ctx, strat, pr)
		sec.DrainSeconds = time.Since(t0).Seconds()
		sec.Drained = err == nil
		if err != nil {
			errs = append(errs, fmt.Sprintf("drain: %v (after marker %d)", err, seq))
		}
	}
	if w.bgStop != nil {
		w.bgStop()
		w.bgDone.Wait()
	}
	if strat != nil {
		if err := strat.Stop(); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if measured {
		w.fill(ctx, c, sec, strat, pr, views, src, &errs)
		c.Sync = sec
	}
	if strat != nil {
		if err := strat.Cleanup(ctx); err != nil {
			errs = append(errs, err.Error())
		}
	}
	for _, v := range views {
		if err := v.Close(); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if src.Pool != nil {
		src.Pool.Close()
	}
	w.mu.Lock()
	w.views, w.strat, w.probe, w.src = nil, nil, nil, Source{}
	w.mu.Unlock()
	if len(errs) > 0 && c.Error == "" {
		c.Error = "sync: " + strings.Join(errs, "; ")
		if c.Status == results.StatusOK {
			c.Status = results.StatusFailed
		}
	}
}

// drain writes a last marker and waits until every view shows it.
func (w *Workload) drain(ctx context.Context, s Strategy, pr *probe) (int64, error) {
	dctx, cancel := context.WithTimeout(ctx, w.cfg.DrainTimeout)
	defer cancel()
	var seq int64
	var err error
	for { // the marker write itself may fail while a view is down (dual)
		if seq, err = pr.mark(dctx, s, w.src.Tables); err == nil {
			break
		}
		select {
		case <-dctx.Done():
			return seq, err
		case <-time.After(100 * time.Millisecond):
		}
	}
	marked := time.Now()
	for {
		done := true
		for i := range pr.views {
			if pr.seen(i) < seq {
				done = false
			}
		}
		if done {
			return seq, nil
		}
		select {
		case <-dctx.Done():
			pr.mu.Lock()
			known := pr.known
			var seen []int64
			for i := range pr.state {
				seen = append(seen, pr.state[i].seen)
			}
			lastErr := pr.lastErr
			pr.mu.Unlock()
			var marks []int64
			for _, v := range pr.views {
				m, _ := v.Marker(ctx)
				marks = append(marks, m)
			}
			return seq, fmt.Errorf("views did not catch up within %s (markers with commit times up to %d; seen %v; views show %v; last marker error: %v)", w.cfg.DrainTimeout, known, seen, marks, lastErr)
		case <-time.After(w.cfg.PollInterval):
		}
		if w.strategy == "dual" && time.Since(marked) > 500*time.Millisecond {
			// Dual writes never redeliver: a marker lost to a view is
			// gone, so write a new one (not too often, or the wait
			// chases an ever newer marker).
			if s2, err := pr.mark(dctx, s, w.src.Tables); err == nil {
				seq = s2
			}
			marked = time.Now()
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// fill computes the section's figures.
func (w *Workload) fill(ctx context.Context, c *results.Cell, sec *results.Sync, strat Strategy, pr *probe, views []View, src Source, errs *[]string) {
	run := c.Run
	start := run.MeasuredStart
	end := start.Add(time.Duration(run.Seconds * float64(time.Second)))
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
	slices.SortFunc(sec.Faults, func(a, b results.SyncFault) int { return cmpF(a.AtSeconds, b.AtSeconds) })
	stats := strat.Stats()
	sec.Restarts = stats.Restarts
	injected := w.faults.Injected()
	divs, err := Reconcile(ctx, src, views)
	if err != nil {
		*errs = append(*errs, err.Error())
	}
	for i, v := range views {
		sv := results.SyncView{Name: v.Name(), Store: v.Store(), Delivered: stats.Delivered[v.Name()],
			FailedApplies: stats.Failed[v.Name()], Injected: injected[v.Name()]}
		lags, stale := pr.snapshot(i)
		var ds []float64
		for _, l := range lags {
			if !l.at.Before(start) && !l.at.After(end) {
				ds = append(ds, ms(l.lag))
			}
		}
		slices.Sort(ds)
		sv.Markers = int64(len(ds))
		if len(ds) > 0 {
			sv.LagP50Ms, sv.LagP99Ms, sv.LagMaxMs = quantile(ds, 0.5), quantile(ds, 0.99), ds[len(ds)-1]
		}
		n := int(math.Ceil(run.Seconds))
		series := make([]results.SyncLagPoint, n)
		for t := range series {
			series[t].T = t
		}
		for _, s := range stale {
			t := int(s.at.Sub(start) / time.Second)
			if s.at.Before(start) || t >= n {
				continue
			}
			series[t].MaxMs = max(series[t].MaxMs, ms(s.lag))
		}
		sv.LagSeries = series
		sv.LagSlope = slope(series[len(series)/2:])
		sv.LagGrowing = sv.LagSlope > 50
		if divs != nil {
			d := divs[i]
			sv.Rows, sv.Missing, sv.Extra, sv.Different, sv.Divergence, sv.Samples = d.Rows, d.Missing, d.Extra, d.Different, d.Total(), d.Samples
		}
		if e, ok := stats.ExpectedDivergence[v.Name()]; ok {
			sv.ExpectedDivergence = &e
		}
		sec.Views = append(sec.Views, sv)
	}
	sec.Verdict = Verdict(sec)
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// quantile returns the q-quantile of sorted xs (nearest rank).
func quantile(xs []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[max(0, min(i, len(xs)-1))]
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

// Verdict sums a sync section up in one sentence.
func Verdict(s *results.Sync) string {
	var faults []string
	for _, f := range s.Faults {
		switch f.Kind {
		case "write-failures":
			faults = append(faults, fmt.Sprintf("%g%% view write failures", 100*f.Probability))
		case "view-down":
			faults = append(faults, fmt.Sprintf("%s down %gs", f.Target, f.DurationSeconds))
		case "consumer-restart":
			if s.Strategy != "dual" {
				faults = append(faults, "consumer/relay killed and restarted")
			}
		}
	}
	under := "without faults"
	if len(faults) > 0 {
		under = "under " + strings.Join(faults, ", ")
	}
	var lost, clean []string
	worst := 0.0
	for _, v := range s.Views {
		worst = max(worst, v.LagP99Ms)
		if v.Divergence > 0 {
			lost = append(lost, fmt.Sprintf("%d of %d rows in the %s view (%s)", v.Divergence, v.Rows, v.Name, v.Store))
		} else {
			clean = append(clean, v.Name)
		}
	}
	name := map[string]string{"dual": "dual writes", "cdc-logical": "CDC by logical decoding", "outbox": "the outbox relay", "cdc-debezium": "CDC through Debezium and Kafka"}[s.Strategy]
	if name == "" {
		name = s.Strategy
	}
	drained := ""
	if !s.Drained {
		drained = " (the views had NOT caught up when the drain timed out)"
	}
	if len(lost) > 0 {
		none := ""
		if len(clean) > 0 {
			none = " (none in " + strings.Join(clean, ", ") + ")"
		}
		return fmt.Sprintf("%s %s, %d writes: lost or left different %s after draining%s%s; worst lag p99 %.0f ms.",
			name, under, s.Writes, strings.Join(lost, ", "), none, drained, worst)
	}
	return fmt.Sprintf("%s %s, %d writes: 0 rows lost or different in any view after draining%s; worst lag p99 %.0f ms.",
		name, under, s.Writes, drained, worst)
}
