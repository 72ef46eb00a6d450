package twitter

import (
	"context"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
)

var _ workloads.Observer = (*Workload)(nil)

// BeginMeasure resets the application's counts before a measured phase.
func (w *Workload) BeginMeasure(ctx context.Context, c drivers.Conn) {
	if r, ok := c.(Reporter); ok {
		r.BeginMeasure(ctx)
		return
	}
	if s, err := w.Store(c); err == nil {
		if a, ok := s.(*App); ok {
			a.ResetStats()
		}
	}
}

// EndMeasure returns the figures of the measured phase (see Reporter).
func (w *Workload) EndMeasure(ctx context.Context, c drivers.Conn) map[string]float64 {
	if r, ok := c.(Reporter); ok {
		return r.Figures(ctx)
	}
	s, err := w.Store(c)
	if err != nil {
		return nil
	}
	a, ok := s.(*App)
	if !ok {
		return nil
	}
	a.EndMeasure()
	return a.Stats().Figures(func(role string) string { return role })
}

// Figures flattens s into named figures: "route.<op>.<store>" (backend
// calls, the role mapped to a store name by storeOf; calls of several
// roles on one store add up), "cache.hits", "cache.misses",
// "sync.replays", "cache.fills_refused", per view "view.<view>.reads", ".behind_reads", ".stale_reads", ".applied", ".pending",
// ".lag_mean_ms", ".lag_max_ms", ".pending_at_end", ".oldest_pending_ms",
// and for the cache's sampled checks ".checked", ".checked_stale",
// ".check_errors".
func (s Stats) Figures(storeOf func(role string) string) map[string]float64 {
	out := map[string]float64{"cache.hits": float64(s.CacheHits), "cache.misses": float64(s.CacheMisses), "sync.replays": float64(s.Replays)}
	if s.FillsRefused > 0 {
		out["cache.fills_refused"] = float64(s.FillsRefused)
	}
	for op, roles := range s.Routes {
		for role, n := range roles {
			out["route."+op+"."+storeOf(role)] += float64(n)
		}
	}
	for v, vs := range s.Views {
		k := "view." + v + "."
		out[k+"reads"] = float64(vs.Reads)
		out[k+"behind_reads"] = float64(vs.BehindReads)
		out[k+"stale_reads"] = float64(vs.StaleReads)
		out[k+"applied"] = float64(vs.Applied)
		out[k+"pending"] = float64(vs.Pending)
		out[k+"lag_mean_ms"] = vs.LagMeanMs
		out[k+"lag_max_ms"] = vs.LagMaxMs
		out[k+"pending_at_end"] = float64(vs.PendingAtEnd)
		out[k+"oldest_pending_ms"] = vs.OldestPendingMs
		if vs.Checked > 0 || vs.CheckErrors > 0 {
			out[k+"checked"] = float64(vs.Checked)
			out[k+"checked_stale"] = float64(vs.CheckedStale)
			out[k+"check_errors"] = float64(vs.CheckErrors)
		}
	}
	return out
}
