package series

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// Store methods a validation query calls.
const (
	callMax = iota
	callMean
	callHigh
	callLast
	callRecent
)

// vquery is one validation query: its parameters and, once computed, its
// expected answer.
type vquery struct {
	name   string // TSBS name, or a description of an extra case
	call   int
	max    MaxQuery
	mean   MeanQuery
	high   HighCPUQuery
	recent RecentQuery
	// only, when set, keeps the hosts whose answer rows are checked: a
	// share's validation asks queries over all hosts and checks the rows
	// of its own.
	only *hostRange

	maxAcc    *maxAcc
	meanAcc   *meanAcc
	highAcc   *highAcc
	lastAcc   *lastAcc
	recentAcc *recentAcc
}

// describe prints the query and its parameters for failure messages.
func (q *vquery) describe() string {
	fields := func(fs []int) string {
		names := make([]string, len(fs))
		for i, f := range fs {
			names[i] = FieldNames[f]
		}
		return strings.Join(names, ",")
	}
	window := func(s, e time.Time) string {
		return "[" + s.UTC().Format(timeFormat) + ", " + e.UTC().Format(timeFormat) + ")"
	}
	switch q.call {
	case callMax:
		return fmt.Sprintf("%s (max %s of %s in %s by %v)", q.name, fields(q.max.Fields), strings.Join(q.max.Hosts, ","), window(q.max.Start, q.max.End), q.max.Bucket)
	case callMean:
		return fmt.Sprintf("%s (mean %s in %s by %v)", q.name, fields(q.mean.Fields), window(q.mean.Start, q.mean.End), q.mean.Bucket)
	case callHigh:
		hosts := strings.Join(q.high.Hosts, ",")
		if hosts == "" {
			hosts = "all hosts"
		}
		return fmt.Sprintf("%s (usage_user > %v of %s in %s)", q.name, q.high.Threshold, hosts, window(q.high.Start, q.high.End))
	case callRecent:
		return fmt.Sprintf("%s (max usage_user before %s by %v, latest %d)", q.name, q.recent.End.UTC().Format(timeFormat), q.recent.Bucket, q.recent.Limit)
	}
	return q.name
}

// hostRange is the host ids [lo, hi) of a share of the data set.
type hostRange struct{ lo, hi int }

// validationSet returns the fixed validation queries: the six TSBS queries
// with parameters drawn from the validation stream, plus edge cases (fields
// in a non-sorted order, unknown hosts, empty windows, the hosts most
// likely to exceed the high-cpu threshold, ends before and after the data).
func (w *Workload) validationSet() []*vquery {
	return w.querySet(hostRange{0, w.cfg.Hosts}, validationStream, false)
}

// querySet returns the validation queries over hosts hr, drawn from stream.
// With share set, hr is a share of the hosts and the set holds only what
// the share alone determines: queries naming hosts draw them from hr, the
// answer rows of the per-host queries over all hosts (double-groupby,
// high-cpu-all, lastpoint) are checked for hr's hosts only, and
// groupby-orderby-limit, whose maximum is over every host, keeps only its
// empty edge case.
func (w *Workload) querySet(hr hostRange, stream uint64, share bool) []*vquery {
	d := newDrawer(w, gen.NewRand(w.seed, stream))
	d.lo, d.hi = hr.lo, hr.hi
	var only *hostRange
	if share {
		only = &hr
	}
	c := &w.cfg
	start := time.Unix(0, w.data.Start).UTC()
	end := time.Unix(0, w.data.End()).UTC()
	var qs []*vquery
	addMax := func(name string, q MaxQuery) {
		q.Hosts, q.Fields = slices.Clone(q.Hosts), slices.Clone(q.Fields)
		qs = append(qs, &vquery{name: name, call: callMax, max: q})
	}
	addMean := func(name string, q MeanQuery) {
		q.Fields = slices.Clone(q.Fields)
		qs = append(qs, &vquery{name: name, call: callMean, mean: q, only: only})
	}
	addHigh := func(name string, q HighCPUQuery) {
		q.Hosts = slices.Clone(q.Hosts)
		vq := &vquery{name: name, call: callHigh, high: q}
		if len(q.Hosts) == 0 {
			vq.only = only
		}
		qs = append(qs, vq)
	}
	addRecent := func(name string, q RecentQuery) {
		qs = append(qs, &vquery{name: name, call: callRecent, recent: q})
	}
	var mq MaxQuery
	for range 4 {
		d.single(&mq, 1, 1)
		addMax(QueryNames[qSingle111], mq)
	}
	for range 3 {
		d.single(&mq, single581Fields, single581Hosts)
		addMax(QueryNames[qSingle581], mq)
	}
	first, last := w.hostnames[hr.lo], w.hostnames[hr.hi-1]
	addMax("single-groupby, fields out of order, an unknown host", MaxQuery{
		Hosts: []string{first, "host_unknown", last}, Fields: []int{9, 4, 0},
		Start: start, End: end, Bucket: c.GroupByBucket,
	})
	addMax("single-groupby, window after the data", MaxQuery{
		Hosts: []string{first}, Fields: []int{0}, Start: end, End: end.Add(time.Hour), Bucket: c.GroupByBucket,
	})
	var mn MeanQuery
	for range 2 {
		d.double(&mn)
		addMean(QueryNames[qDouble1], mn)
	}
	addMean("double-groupby-all", MeanQuery{
		Fields: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, Start: start, End: start.Add(c.DoubleGroupByWindow), Bucket: c.DoubleGroupByBucket,
	})
	var hq HighCPUQuery
	for range 3 {
		d.highCPU(&hq)
		addHigh(QueryNames[qHighCPU1], hq)
	}
	// Random hosts often never exceed the threshold: also ask for the
	// hosts whose usage_user starts highest, from the first reading on.
	for _, id := range w.hotHosts(hr, 3) {
		addHigh(QueryNames[qHighCPU1]+", a hot host", HighCPUQuery{
			Hosts: []string{w.hostnames[id]}, Threshold: c.HighCPUThreshold, Start: start, End: start.Add(c.HighCPUWindow),
		})
	}
	addHigh("high-cpu-all", HighCPUQuery{
		Threshold: c.HighCPUThreshold, Start: start, End: start.Add(min(6*c.Interval, time.Duration(w.data.Points)*c.Interval)),
	})
	qs = append(qs, &vquery{name: QueryNames[qLastpoint], call: callLast, only: only})
	if !share {
		var rq RecentQuery
		for range 3 {
			d.recent(&rq)
			addRecent(QueryNames[qGroupByLimit], rq)
		}
		addRecent("groupby-orderby-limit, end after the data", RecentQuery{End: end.Add(time.Hour), Bucket: c.LimitBucket, Limit: c.Limit})
		addRecent("groupby-orderby-limit, one reading time before the end", RecentQuery{End: start.Add(1), Bucket: c.LimitBucket, Limit: c.Limit})
	}
	addRecent("groupby-orderby-limit, end at the first readings", RecentQuery{End: start, Bucket: c.LimitBucket, Limit: c.Limit})
	// The queries over every field, drawn last so the draws above stay as
	// they were.
	if w.kindOf[qMaxAll8] >= 0 {
		for range 2 {
			d.maxAll(&mq)
			addMax(QueryNames[qMaxAll8], mq)
		}
	}
	if w.kindOf[qDoubleAll] >= 0 {
		d.doubleAll(&mn)
		addMean(QueryNames[qDoubleAll], mn)
	}
	return qs
}

// hotHosts returns the n hosts of hr whose first usage_user reading is
// highest (ties by id).
func (w *Workload) hotHosts(hr hostRange, n int) []int {
	type hv struct {
		id int
		v  float64
	}
	all := make([]hv, 0, hr.hi-hr.lo)
	for id := hr.lo; id < hr.hi; id++ {
		all = append(all, hv{id, gen.CPUInitial(w.seed, id)[UsageUser]})
	}
	slices.SortFunc(all, func(a, b hv) int { return cmp.Or(cmp.Compare(b.v, a.v), cmp.Compare(a.id, b.id)) })
	ids := make([]int, 0, n)
	for _, h := range all[:min(n, len(all))] {
		ids = append(ids, h.id)
	}
	return ids
}

// hostID returns the id of a hostname of this workload's data set.
func (w *Workload) hostID(name string) (int, bool) {
	s, ok := strings.CutPrefix(name, "host_")
	if !ok {
		return 0, false
	}
	id, err := strconv.Atoi(s)
	if err != nil || id < 0 || id >= w.cfg.Hosts || w.hostnames[id] != name {
		return 0, false
	}
	return id, true
}

// computeAnswers computes the expected answers of qs in one streaming pass
// over the readings of gens (the whole data set, or a share): every reading
// goes to the accumulators of the queries over all hosts, and to those of
// the queries naming its host.
func (w *Workload) computeAnswers(ctx context.Context, qs []*vquery, gens ...*gen.CPUGenerator) error {
	var global []accumulator
	byHost := map[int][]accumulator{}
	forHosts := func(a accumulator, hosts []string) {
		for _, h := range hosts {
			if id, ok := w.hostID(h); ok {
				byHost[id] = append(byHost[id], a)
			}
		}
	}
	for _, q := range qs {
		switch q.call {
		case callMax:
			q.maxAcc = newMaxAcc(q.max)
			forHosts(q.maxAcc, q.max.Hosts)
		case callMean:
			q.meanAcc = newMeanAcc(q.mean)
			global = append(global, q.meanAcc)
		case callHigh:
			q.highAcc = newHighAcc(q.high)
			if len(q.high.Hosts) == 0 {
				global = append(global, q.highAcc)
			} else {
				forHosts(q.highAcc, q.high.Hosts)
			}
		case callLast:
			q.lastAcc = newLastAcc()
			global = append(global, q.lastAcc)
		case callRecent:
			q.recentAcc = newRecentAcc(q.recent)
			global = append(global, q.recentAcc)
		}
	}
	perHost := make([][]accumulator, w.cfg.Hosts)
	for id, accs := range byHost {
		perHost[id] = accs
	}
	buf := make([]gen.CPURow, 4096)
	for _, g := range gens {
		for {
			n := g.Next(buf)
			if n == 0 {
				break
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			for i := range buf[:n] {
				r := &buf[i]
				rd := reading{host: w.hostnames[r.Host], time: r.Time, fields: &r.Fields}
				for _, a := range global {
					a.add(rd)
				}
				for _, a := range perHost[r.Host] {
					a.add(rd)
				}
			}
		}
	}
	return nil
}

// expected returns the validation queries with their answers computed.
func (w *Workload) expected(ctx context.Context) ([]*vquery, error) {
	qs := w.validationSet()
	if err := w.computeAnswers(ctx, qs, gen.NewCPUGenerator(w.data, 0, 1)); err != nil {
		return nil, fmt.Errorf("series reference answers: %w", err)
	}
	return qs, nil
}

// ValidateShare checks what load parts [first, first+count) of parts alone
// determine. Parts split the data set by host range, so every reading of
// the share's hosts is in the share: the queries naming hosts ask the
// share's hosts, and of the per-host answers over all hosts
// (double-groupby, high-cpu-all, lastpoint) the rows of the share's hosts
// are checked, whatever the other shares hold (in the same server or in
// their own stores). groupby-orderby-limit takes a maximum over every
// host and is left out (but for its empty edge case); a run phase after a
// load phase checks it.
func (w *Workload) ValidateShare(ctx context.Context, c drivers.Conn, first, count, parts int) (workloads.Validation, error) {
	if first < 0 || count < 1 || first+count > parts {
		return workloads.Validation{}, fmt.Errorf("series: share of parts %d…%d of %d", first, first+count-1, parts)
	}
	var hr hostRange
	hr.lo, _ = gen.CPUPartHosts(w.cfg.Hosts, first, parts)
	_, hr.hi = gen.CPUPartHosts(w.cfg.Hosts, first+count-1, parts)
	if hr.hi <= hr.lo {
		return workloads.Validation{}, nil // an empty share holds nothing to check
	}
	qs := w.querySet(hr, validationStream-1-uint64(first), true)
	gens := make([]*gen.CPUGenerator, count)
	for i := range gens {
		gens[i] = gen.NewCPUGenerator(w.data, first+i, parts)
	}
	if err := w.computeAnswers(ctx, qs, gens...); err != nil {
		return workloads.Validation{}, fmt.Errorf("series reference answers: %w", err)
	}
	return w.ask(ctx, c, qs)
}

// Validate asks every validation query of the store and compares the
// answers with those computed from the generator: times, hosts, counts and
// order exactly, values within Tolerance.
func (w *Workload) Validate(ctx context.Context, c drivers.Conn) (workloads.Validation, error) {
	if _, err := w.store(c); err != nil {
		return workloads.Validation{}, err
	}
	qs, err := w.expected(ctx)
	if err != nil {
		return workloads.Validation{}, err
	}
	return w.ask(ctx, c, qs)
}

// ask asks every query of qs of the store and compares its answers with
// the computed ones.
func (w *Workload) ask(ctx context.Context, c drivers.Conn, qs []*vquery) (workloads.Validation, error) {
	var v workloads.Validation
	s, err := w.store(c)
	if err != nil {
		return v, err
	}
	for _, q := range qs {
		diff, err := w.check(ctx, s, q)
		if err != nil {
			if ctx.Err() != nil {
				return v, ctx.Err()
			}
			// A store that cannot answer is broken, not wrong: the
			// error is for failures to ask.
			return v, fmt.Errorf("%s: %w", q.describe(), err)
		}
		v.Check(diff == "", "%s: %s", q.describe(), diff)
	}
	return v, nil
}

// check asks q of s and describes how the answer differs from the expected
// one ("" when it agrees); of a query with q.only set, the rows of the
// hosts it keeps.
func (w *Workload) check(ctx context.Context, s Store, q *vquery) (string, error) {
	keep := func(host string) bool {
		if q.only == nil {
			return true
		}
		id, ok := w.hostID(host)
		return ok && q.only.lo <= id && id < q.only.hi
	}
	switch q.call {
	case callMax:
		got, err := s.MaxByTime(ctx, q.max, nil)
		if err != nil {
			return "", err
		}
		return DiffBuckets(got, q.maxAcc.answer()), nil
	case callMean:
		got, err := s.MeanByTimeHost(ctx, q.mean, nil)
		if err != nil {
			return "", err
		}
		got = slices.DeleteFunc(got, func(b HostBucket) bool { return !keep(b.Host) })
		return DiffHostBuckets(got, q.meanAcc.answer()), nil
	case callHigh:
		got, err := s.HighCPU(ctx, q.high, nil)
		if err != nil {
			return "", err
		}
		got = slices.DeleteFunc(got, func(p HostPoint) bool { return !keep(p.Host) })
		return DiffPoints(got, q.highAcc.answer()), nil
	case callLast:
		got, err := s.LastPoint(ctx, nil)
		if err != nil {
			return "", err
		}
		got = slices.DeleteFunc(got, func(p HostPoint) bool { return !keep(p.Host) })
		return DiffPoints(got, q.lastAcc.answer()), nil
	default: // callRecent
		got, err := s.RecentMaxByTime(ctx, q.recent, nil)
		if err != nil {
			return "", err
		}
		return DiffBuckets(got, q.recentAcc.answer()), nil
	}
}
