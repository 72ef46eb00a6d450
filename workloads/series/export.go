package series

import (
	"context"
	"time"

	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

var (
	_ workloads.Exporter     = (*Workload)(nil)
	_ workloads.QuerySet     = (*Workload)(nil)
	_ workloads.ValueCounter = (*Workload)(nil)
)

// Tables returns the one table of the data set, denormalized as TSBS's
// line format carries it: time, the ten tags, the ten fields.
func (w *Workload) Tables() []workloads.Table {
	cols := []string{"time"}
	cols = append(cols, TagNames[:]...)
	cols = append(cols, FieldNames[:]...)
	return []workloads.Table{{Name: w.cfg.Table, Columns: cols}}
}

// Export emits the rows of share part of parts in the order Load writes
// them: time (time.Time, UTC), tags (string), fields (float64).
func (w *Workload) Export(ctx context.Context, part, parts int, emit func(table string, row []any) error) error {
	g := gen.NewCPUGenerator(w.data, part, parts)
	lo, hi := g.Hosts()
	tags := make([][NumTags]string, hi-lo)
	for i := range tags {
		tags[i] = gen.CPUHostTags(w.seed, lo+i)
	}
	row := make([]any, 1+NumTags+NumFields)
	buf := make([]gen.CPURow, 4096)
	for {
		n := g.Next(buf)
		if n == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, r := range buf[:n] {
			row[0] = time.Unix(0, r.Time).UTC()
			for i, t := range tags[r.Host-lo] {
				row[1+i] = t
			}
			for i, f := range r.Fields {
				row[1+NumTags+i] = f
			}
			if err := emit(w.cfg.Table, row); err != nil {
				return err
			}
		}
	}
}

// Queries lists the validation queries with their expected answers. Answers
// are ordered lists (buckets, groups or readings) whose times and hosts must
// match exactly and whose values must agree within Tolerance: Compare is
// "approx".
func (w *Workload) Queries(ctx context.Context) ([]workloads.Query, error) {
	qs, err := w.expected(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]workloads.Query, 0, len(qs))
	for _, q := range qs {
		out = append(out, q.export())
	}
	return out, nil
}

// export returns q as a workloads.Query with JSON-friendly parameters.
func (q *vquery) export() workloads.Query {
	fields := func(fs []int) []string {
		names := make([]string, len(fs))
		for i, f := range fs {
			names[i] = FieldNames[f]
		}
		return names
	}
	t := func(x time.Time) string { return x.UTC().Format(timeFormat) }
	var params map[string]any
	var answer any
	switch q.call {
	case callMax:
		params = map[string]any{"method": "MaxByTime", "hosts": q.max.Hosts, "fields": fields(q.max.Fields),
			"start": t(q.max.Start), "end": t(q.max.End), "bucket": q.max.Bucket.String()}
		answer = q.maxAcc.answer()
	case callMean:
		params = map[string]any{"method": "MeanByTimeHost", "fields": fields(q.mean.Fields),
			"start": t(q.mean.Start), "end": t(q.mean.End), "bucket": q.mean.Bucket.String()}
		answer = q.meanAcc.answer()
	case callHigh:
		params = map[string]any{"method": "HighCPU", "hosts": q.high.Hosts, "threshold": q.high.Threshold,
			"start": t(q.high.Start), "end": t(q.high.End)}
		answer = q.highAcc.answer()
	case callLast:
		params = map[string]any{"method": "LastPoint"}
		answer = q.lastAcc.answer()
	case callRecent:
		params = map[string]any{"method": "RecentMaxByTime", "end": t(q.recent.End), "bucket": q.recent.Bucket.String(), "limit": q.recent.Limit}
		answer = q.recentAcc.answer()
	}
	params["description"] = q.describe()
	return workloads.Query{Name: q.name, Params: params, Answer: answer, Compare: "approx"}
}
