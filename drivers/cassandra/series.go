package cassandra

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/storefit/storefit/workloads/series"
)

var (
	_ series.Provider = (*Conn)(nil)
	_ series.Store    = (*seriesTable)(nil)
)

const (
	dayNanos = int64(24 * time.Hour)
	msNanos  = int64(time.Millisecond)
	// seriesBatch is the most readings one load batch (one partition)
	// holds: ≈ 12 KiB, well under the batch size warnings.
	seriesBatch = 100
	// queryConcurrency is the number of partition queries one series query
	// keeps in flight.
	queryConcurrency = 16
)

// seriesTable is a measurement: one partition per host and UTC day,
// PRIMARY KEY ((host, day), ts, ns), newest first (CLUSTERING ORDER BY ts
// DESC, ns DESC), with ts the reading's time in milliseconds (a CQL
// timestamp, which floor() buckets) and ns the nanoseconds below the
// millisecond, so times are kept exactly. A second table, <table>_hosts,
// lists every (host, day) that has readings in one partition, ordered by
// hostname: queries learn from it which partitions to read.
type seriesTable struct {
	reads
	c      *Conn
	schema series.Schema
	name   string // qualified data table
	hosts  string // qualified hosts table

	insert, insertHost, listHosts, lastRow, highCPU string
	fieldList                                       string
}

// SeriesStore returns a handle on the measurement s names.
func (c *Conn) SeriesStore(s series.Schema) (series.Store, error) {
	if err := checkName("series table", s.Table, false); err != nil {
		return nil, err
	}
	t := &seriesTable{reads: reads{session: c.session}, c: c, schema: s, name: c.table(s.Table), hosts: c.table(s.Table + "_hosts")}
	t.fieldList = strings.Join(series.FieldNames[:], ", ")
	t.insert = fmt.Sprintf("INSERT INTO %s (host, day, ts, ns, %s) VALUES (?, ?, ?, ?%s)", t.name, t.fieldList, strings.Repeat(", ?", series.NumFields))
	t.insertHost = fmt.Sprintf("INSERT INTO %s (b, host, day, tags) VALUES (0, ?, ?, ?)", t.hosts)
	t.listHosts = fmt.Sprintf("SELECT host, day FROM %s WHERE b = 0", t.hosts)
	t.lastRow = fmt.Sprintf("SELECT ts, ns, %s FROM %s WHERE host = ? AND day = ? LIMIT 1", t.fieldList, t.name)
	t.highCPU = fmt.Sprintf("SELECT ts, ns, %s FROM %s WHERE host = ? AND day = ? AND (ts, ns) >= (?, ?) AND (ts, ns) < (?, ?) AND %s > ? ALLOW FILTERING",
		t.fieldList, t.name, series.FieldNames[series.UsageUser])
	return t, nil
}

func (t *seriesTable) Setup(ctx context.Context) error {
	var cols strings.Builder
	for _, f := range series.FieldNames {
		cols.WriteString(", " + f + " double")
	}
	return t.c.resetTables(ctx,
		tableDef{
			name:   t.schema.Table,
			create: "CREATE TABLE %s (host text, day int, ts timestamp, ns int" + cols.String() + ", PRIMARY KEY ((host, day), ts, ns)) WITH CLUSTERING ORDER BY (ts DESC, ns DESC)",
		},
		tableDef{
			name:   t.schema.Table + "_hosts",
			create: "CREATE TABLE %s (b int, host text, day int, tags list<text>, PRIMARY KEY (b, host, day))",
		})
}

// floorDiv returns a / b rounded down (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// splitTime returns the day, the milliseconds and the nanoseconds below
// the millisecond of Unix time ns.
func splitTime(ns int64) (day int32, ms int64, sub int32) {
	ms = floorDiv(ns, msNanos)
	return int32(floorDiv(ns, dayNanos)), ms, int32(ns - ms*msNanos)
}

// LoadRows writes the readings as unlogged batches of one partition (host
// and day) each, at most seriesBatch readings a batch, and the (host, day)
// pairs they touch into the hosts table; LoadConcurrency batches in flight.
func (t *seriesTable) LoadRows(ctx context.Context, rows []series.Row) error {
	type part struct {
		host string
		day  int32
	}
	parts := map[part][]int{}
	hostOf := map[part]*series.Host{}
	var order []part
	for i, r := range rows {
		if r.Host == nil || r.Host.Name() == "" {
			return fmt.Errorf("cassandra: series row without a host")
		}
		day, _, _ := splitTime(r.Time.UnixNano())
		p := part{r.Host.Name(), day}
		if _, ok := parts[p]; !ok {
			order = append(order, p)
			hostOf[p] = r.Host
		}
		parts[p] = append(parts[p], i)
	}
	type job struct {
		p    part
		rows []int
	}
	var jobs []job
	for _, p := range order {
		idx := parts[p]
		for len(idx) > 0 {
			n := min(len(idx), seriesBatch)
			jobs = append(jobs, job{p, idx[:n]})
			idx = idx[n:]
		}
	}
	// The hosts entries go first, in batches of the hosts partition, so a
	// reader never finds readings of a partition it has not listed.
	for i := 0; i < len(order); i += seriesBatch {
		b := t.c.session.Batch(gocql.UnloggedBatch)
		for _, p := range order[i:min(i+seriesBatch, len(order))] {
			b.Query(t.insertHost, p.host, p.day, hostOf[p].Tags[:])
		}
		if err := b.ExecContext(ctx); err != nil {
			return t.c.wrap("load "+t.schema.Table+"_hosts", err)
		}
	}
	return parallel(len(jobs), t.c.cfg.LoadConcurrency, func(j int) error {
		b := t.c.session.Batch(gocql.UnloggedBatch)
		args := make([]any, 4+series.NumFields)
		for _, i := range jobs[j].rows {
			r := &rows[i]
			day, ms, sub := splitTime(r.Time.UnixNano())
			a := append(args[:0], r.Host.Name(), day, ms, sub)
			for _, f := range r.Fields {
				a = append(a, f)
			}
			b.Query(t.insert, slices.Clone(a)...)
		}
		if err := b.ExecContext(ctx); err != nil {
			return t.c.wrap("load "+t.schema.Table, err)
		}
		return nil
	})
}

// hostDays reads the hosts table: every host with readings, by hostname,
// and the days it has readings in, newest first.
func (t *seriesTable) hostDays(ctx context.Context) (names []string, days map[string][]int32, err error) {
	days = map[string][]int32{}
	iter := t.query(t.listHosts).IterContext(ctx)
	var (
		h string
		d int32
	)
	for iter.Scan(&h, &d) {
		if len(names) == 0 || names[len(names)-1] != h {
			names = append(names, h)
		}
		days[h] = append(days[h], d)
	}
	if err := iter.Close(); err != nil {
		return nil, nil, t.c.wrap("list hosts", err)
	}
	for _, ds := range days {
		slices.Reverse(ds) // clustering order is ascending
	}
	return names, days, nil
}

// partition is one (host, day) partition a query reads.
type partition struct {
	host string
	day  int32
}

// window returns the partitions of hosts that may hold readings in
// [start, end), from the hosts table's days.
func window(hosts []string, days map[string][]int32, start, end int64) []partition {
	if end <= start {
		return nil
	}
	d0, d1 := floorDiv(start, dayNanos), floorDiv(end-1, dayNanos)
	var ps []partition
	for _, h := range hosts {
		for _, d := range days[h] {
			if int64(d) >= d0 && int64(d) <= d1 {
				ps = append(ps, partition{h, d})
			}
		}
	}
	return ps
}

// bounds returns the (ts, ns) bind values of a time bound.
func bounds(ns int64) (int64, int32) {
	_, ms, sub := splitTime(ns)
	return ms, sub
}

// bucketMs returns the bucket width in milliseconds, which Cassandra's
// floor() takes: widths must be whole milliseconds.
func bucketMs(w time.Duration) (int64, error) {
	if w <= 0 || int64(w)%msNanos != 0 {
		return 0, fmt.Errorf("cassandra: bucket width %v is not a positive whole number of milliseconds", w)
	}
	return int64(w) / msNanos, nil
}

// selectedHosts returns the distinct names of hosts that exist.
func selectedHosts(names []string, days map[string][]int32) []string {
	var hs []string
	for _, n := range names {
		if _, ok := days[n]; ok && !slices.Contains(hs, n) {
			hs = append(hs, n)
		}
	}
	return hs
}

func checkFields(fields []int) error {
	if len(fields) == 0 {
		return fmt.Errorf("cassandra: no fields asked for")
	}
	for _, f := range fields {
		if f < 0 || f >= series.NumFields {
			return fmt.Errorf("cassandra: no field %d", f)
		}
	}
	return nil
}

// groupQuery returns a query of partition-local aggregates per bucket:
// SELECT floor(ts, W), agg(f) … GROUP BY floor(ts, W). Cassandra groups
// the partition's rows (newest first) by bucket and aggregates each group
// on the replica. The width is a literal: GROUP BY takes no bind markers.
func (t *seriesTable) groupQuery(aggs []string, ms int64, bounded bool, limit int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT floor(ts, %dms)", ms)
	for _, a := range aggs {
		b.WriteString(", ")
		b.WriteString(a)
	}
	fmt.Fprintf(&b, " FROM %s WHERE host = ? AND day = ?", t.name)
	if bounded {
		b.WriteString(" AND (ts, ns) >= (?, ?)")
	}
	fmt.Fprintf(&b, " AND (ts, ns) < (?, ?) GROUP BY floor(ts, %dms)", ms)
	if limit > 0 {
		fmt.Fprintf(&b, " LIMIT %d", limit)
	}
	return b.String()
}

// eachPartition runs f on each partition, queryConcurrency at a time,
// under one mutex (f merges into shared state after its query).
func eachPartition(ps []partition, f func(p partition) error) error {
	return parallel(len(ps), queryConcurrency, func(i int) error { return f(ps[i]) })
}

func (t *seriesTable) MaxByTime(ctx context.Context, q series.MaxQuery, dst []series.Bucket) ([]series.Bucket, error) {
	if err := checkFields(q.Fields); err != nil {
		return dst[:0], err
	}
	ms, err := bucketMs(q.Bucket)
	if err != nil {
		return dst[:0], err
	}
	_, days, err := t.hostDays(ctx)
	if err != nil {
		return dst[:0], err
	}
	start, end := q.Start.UnixNano(), q.End.UnixNano()
	ps := window(selectedHosts(q.Hosts, days), days, start, end)
	aggs := make([]string, len(q.Fields))
	for i, f := range q.Fields {
		aggs[i] = "max(" + series.FieldNames[f] + ")"
	}
	stmt := t.groupQuery(aggs, ms, true, 0)
	s0, s1 := bounds(start)
	e0, e1 := bounds(end)
	var mu sync.Mutex
	maxes := map[int64][]float64{}
	err = eachPartition(ps, func(p partition) error {
		iter := t.query(stmt, p.host, p.day, s0, s1, e0, e1).IterContext(ctx)
		var b int64
		vals := make([]float64, len(aggs))
		dest := make([]any, 1+len(aggs))
		dest[0] = &b
		for i := range vals {
			dest[1+i] = &vals[i]
		}
		for iter.Scan(dest...) {
			mu.Lock()
			if m, ok := maxes[b]; !ok {
				maxes[b] = slices.Clone(vals)
			} else {
				for i, v := range vals {
					m[i] = max(m[i], v)
				}
			}
			mu.Unlock()
		}
		return t.c.wrap("max by time", iter.Close())
	})
	if err != nil {
		return dst[:0], err
	}
	times := make([]int64, 0, len(maxes))
	for b := range maxes {
		times = append(times, b)
	}
	slices.Sort(times)
	dst = series.Grow(dst, len(times))
	for i, b := range times {
		dst[i].Time = time.UnixMilli(b).UTC()
		dst[i].Values = append(dst[i].Values[:0], maxes[b]...)
	}
	return dst, nil
}

func (t *seriesTable) MeanByTimeHost(ctx context.Context, q series.MeanQuery, dst []series.HostBucket) ([]series.HostBucket, error) {
	if err := checkFields(q.Fields); err != nil {
		return dst[:0], err
	}
	ms, err := bucketMs(q.Bucket)
	if err != nil {
		return dst[:0], err
	}
	names, days, err := t.hostDays(ctx)
	if err != nil {
		return dst[:0], err
	}
	start, end := q.Start.UnixNano(), q.End.UnixNano()
	ps := window(names, days, start, end)
	aggs := make([]string, 0, len(q.Fields)+1)
	for _, f := range q.Fields {
		aggs = append(aggs, "sum("+series.FieldNames[f]+")")
	}
	aggs = append(aggs, "count(*)")
	stmt := t.groupQuery(aggs, ms, true, 0)
	s0, s1 := bounds(start)
	e0, e1 := bounds(end)
	type key struct {
		bucket int64
		host   string
	}
	type group struct {
		sums  []float64
		count int64
	}
	var mu sync.Mutex
	groups := map[key]*group{}
	err = eachPartition(ps, func(p partition) error {
		iter := t.query(stmt, p.host, p.day, s0, s1, e0, e1).IterContext(ctx)
		var (
			b, n int64
		)
		sums := make([]float64, len(q.Fields))
		dest := make([]any, 0, 2+len(sums))
		dest = append(dest, &b)
		for i := range sums {
			dest = append(dest, &sums[i])
		}
		dest = append(dest, &n)
		for iter.Scan(dest...) {
			mu.Lock()
			k := key{b, p.host}
			g, ok := groups[k]
			if !ok {
				g = &group{sums: make([]float64, len(sums))}
				groups[k] = g
			}
			for i, s := range sums {
				g.sums[i] += s
			}
			g.count += n
			mu.Unlock()
		}
		return t.c.wrap("mean by time and host", iter.Close())
	})
	if err != nil {
		return dst[:0], err
	}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.bucket, b.bucket), strings.Compare(a.host, b.host))
	})
	dst = series.Grow(dst, len(keys))
	for i, k := range keys {
		g := groups[k]
		d := &dst[i]
		d.Time = time.UnixMilli(k.bucket).UTC()
		d.Host = k.host
		d.Values = series.Grow(d.Values, len(g.sums))
		for j, s := range g.sums {
			d.Values[j] = s / float64(g.count)
		}
	}
	return dst, nil
}

// scanPoint returns the destinations of a (ts, ns, fields…) row.
func scanPoint(ms *int64, sub *int32, f *[series.NumFields]float64) []any {
	dest := make([]any, 2+series.NumFields)
	dest[0], dest[1] = ms, sub
	for i := range f {
		dest[2+i] = &f[i]
	}
	return dest
}

func (t *seriesTable) HighCPU(ctx context.Context, q series.HighCPUQuery, dst []series.HostPoint) ([]series.HostPoint, error) {
	names, days, err := t.hostDays(ctx)
	if err != nil {
		return dst[:0], err
	}
	hosts := names
	if len(q.Hosts) > 0 {
		hosts = selectedHosts(q.Hosts, days)
	}
	start, end := q.Start.UnixNano(), q.End.UnixNano()
	ps := window(hosts, days, start, end)
	s0, s1 := bounds(start)
	e0, e1 := bounds(end)
	var mu sync.Mutex
	dst = dst[:0]
	err = eachPartition(ps, func(p partition) error {
		iter := t.query(t.highCPU, p.host, p.day, s0, s1, e0, e1, q.Threshold).IterContext(ctx)
		var (
			ms  int64
			sub int32
			f   [series.NumFields]float64
		)
		dest := scanPoint(&ms, &sub, &f)
		for iter.Scan(dest...) {
			mu.Lock()
			dst = append(dst, series.HostPoint{Host: p.host, Time: time.Unix(0, ms*msNanos+int64(sub)).UTC(), Fields: f})
			mu.Unlock()
		}
		return t.c.wrap("high cpu", iter.Close())
	})
	if err != nil {
		return dst[:0], err
	}
	slices.SortFunc(dst, func(a, b series.HostPoint) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.Host, b.Host))
	})
	return dst, nil
}

// LastPoint reads the first row (the newest) of each host's newest day
// partition.
func (t *seriesTable) LastPoint(ctx context.Context, dst []series.HostPoint) ([]series.HostPoint, error) {
	names, days, err := t.hostDays(ctx)
	if err != nil {
		return dst[:0], err
	}
	dst = series.Grow(dst, len(names))
	found := make([]bool, len(names))
	err = parallel(len(names), queryConcurrency, func(i int) error {
		h := names[i]
		d := &dst[i]
		for _, day := range days[h] {
			var (
				ms  int64
				sub int32
			)
			err := t.query(t.lastRow, h, day).ScanContext(ctx, scanPoint(&ms, &sub, &d.Fields)...)
			if errors.Is(err, gocql.ErrNotFound) {
				continue
			}
			if err != nil {
				return t.c.wrap("last point", err)
			}
			d.Host, d.Time, found[i] = h, time.Unix(0, ms*msNanos+int64(sub)).UTC(), true
			return nil
		}
		return nil
	})
	if err != nil {
		return dst[:0], err
	}
	n := 0
	for i := range dst {
		if found[i] {
			dst[n] = dst[i]
			n++
		}
	}
	return dst[:n], nil
}

// RecentMaxByTime reads, for each host, its latest buckets before q.End:
// day partitions newest first, each grouped by bucket newest first (LIMIT
// q.Limit+1 groups), until the host has q.Limit+1 buckets or no more days.
// The q.Limit latest buckets overall are then complete: a bucket among them
// is among the q.Limit latest of every host with readings in it, and the
// (q.Limit+1)-th bucket of a host, which ends after the day partitions
// not read begin, proves that its later buckets have no readings there.
func (t *seriesTable) RecentMaxByTime(ctx context.Context, q series.RecentQuery, dst []series.Bucket) ([]series.Bucket, error) {
	ms, err := bucketMs(q.Bucket)
	if err != nil {
		return dst[:0], err
	}
	if q.Limit < 1 {
		return dst[:0], fmt.Errorf("cassandra: limit %d is not positive", q.Limit)
	}
	names, days, err := t.hostDays(ctx)
	if err != nil {
		return dst[:0], err
	}
	end := q.End.UnixNano()
	lastDay := floorDiv(end-1, dayNanos)
	stmt := t.groupQuery([]string{"max(" + series.FieldNames[series.UsageUser] + ")"}, ms, false, q.Limit+1)
	e0, e1 := bounds(end)
	var mu sync.Mutex
	maxes := map[int64]float64{}
	err = parallel(len(names), queryConcurrency, func(i int) error {
		h := names[i]
		mine := map[int64]float64{}
		for _, day := range days[h] {
			if int64(day) > lastDay {
				continue
			}
			iter := t.query(stmt, h, day, e0, e1).IterContext(ctx)
			var (
				b int64
				v float64
			)
			for iter.Scan(&b, &v) {
				if m, ok := mine[b]; !ok || v > m {
					mine[b] = v
				}
			}
			if err := iter.Close(); err != nil {
				return t.c.wrap("recent max by time", err)
			}
			if len(mine) > q.Limit {
				break
			}
		}
		mu.Lock()
		for b, v := range mine {
			if m, ok := maxes[b]; !ok || v > m {
				maxes[b] = v
			}
		}
		mu.Unlock()
		return nil
	})
	if err != nil {
		return dst[:0], err
	}
	times := make([]int64, 0, len(maxes))
	for b := range maxes {
		times = append(times, b)
	}
	slices.Sort(times)
	slices.Reverse(times)
	times = times[:min(len(times), q.Limit)]
	dst = series.Grow(dst, len(times))
	for i, b := range times {
		dst[i].Time = time.UnixMilli(b).UTC()
		dst[i].Values = append(dst[i].Values[:0], maxes[b])
	}
	return dst, nil
}
