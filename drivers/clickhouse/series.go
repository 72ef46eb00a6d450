package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/storefit/storefit/workloads/series"
)

var (
	_ series.Provider = (*Conn)(nil)
	_ series.Store    = (*seriesStore)(nil)
)

// seriesStore is a measurement: a readings table (hostname, time in Unix
// nanoseconds, the ten fields) sorted by (hostname, time), and a tags table
// holding each host's ten tags once.
type seriesStore struct {
	c                 *Conn
	name, table, tags string // table and tags are quoted

	highCPU, highCPUAll, last, recent string
}

// bucketExpr is the start of time's epoch-aligned bucket of width ? (bound
// once per use): time − (time mod w), with the modulo made non-negative so
// times before 1970 fall into the right bucket as well.
const bucketExpr = "time - ((time % toInt64(?)) + toInt64(?)) % toInt64(?)"

// SeriesStore returns a handle on the measurement s names.
func (c *Conn) SeriesStore(s series.Schema) (series.Store, error) {
	if err := checkName("series table", s.Table); err != nil {
		return nil, err
	}
	st := &seriesStore{c: c, name: s.Table, table: ident(s.Table), tags: ident(s.Table + "_tags")}
	fields := strings.Join(series.FieldNames[:], ", ")
	st.highCPU = "SELECT hostname, time, " + fields + " FROM " + st.table +
		" WHERE usage_user > ? AND time >= toInt64(?) AND time < toInt64(?) AND hostname IN (SELECT arrayJoin(?)) ORDER BY time, hostname"
	st.highCPUAll = "SELECT hostname, time, " + fields + " FROM " + st.table +
		" WHERE usage_user > ? AND time >= toInt64(?) AND time < toInt64(?) ORDER BY time, hostname"
	args := make([]string, series.NumFields)
	for i, f := range series.FieldNames {
		args[i] = "argMax(" + f + ", time)"
	}
	st.last = "SELECT hostname, max(time), " + strings.Join(args, ", ") + " FROM " + st.table + " GROUP BY hostname ORDER BY hostname"
	st.recent = "SELECT " + bucketExpr + " AS b, max(usage_user) FROM " + st.table +
		" WHERE time < toInt64(?) GROUP BY b ORDER BY b DESC LIMIT ?"
	return st, nil
}

// Setup drops and creates the two tables. Readings are partitioned by day
// and sorted by (hostname, time): a host's readings in a window are one
// range of the primary index (single-groupby, high-cpu), and time windows
// over all hosts skip whole days. Time is Int64 nanoseconds rather than
// DateTime (seconds; DateTime64 came after 18.16), so readings at any
// nanosecond round-trip.
func (s *seriesStore) Setup(ctx context.Context) error {
	var fields []string
	for _, f := range series.FieldNames {
		fields = append(fields, f+" Float64")
	}
	var tags []string
	for _, t := range series.TagNames {
		tags = append(tags, t+" String")
	}
	return s.c.exec(ctx, "setup "+s.name,
		"DROP TABLE IF EXISTS "+s.table,
		"DROP TABLE IF EXISTS "+s.tags,
		"CREATE TABLE "+s.table+" (hostname String, time Int64, "+strings.Join(fields, ", ")+
			") ENGINE = MergeTree PARTITION BY intDiv(time, 86400000000000) ORDER BY (hostname, time)",
		"CREATE TABLE "+s.tags+" ("+strings.Join(tags, ", ")+") ENGINE = ReplacingMergeTree ORDER BY hostname")
}

// LoadRows inserts the batch's readings, and its hosts' tags (the tags
// table keeps one row per host after merges).
func (s *seriesStore) LoadRows(ctx context.Context, rows []series.Row) error {
	n := len(rows)
	if n == 0 {
		return nil
	}
	hosts := make([]string, n)
	times := make([]int64, n)
	fields := make([][]float64, series.NumFields)
	for j := range fields {
		fields[j] = make([]float64, n)
	}
	seen := map[string]*series.Host{}
	for i, r := range rows {
		if r.Host == nil || r.Host.Name() == "" {
			return errors.New("clickhouse: series row without a host")
		}
		hosts[i] = r.Host.Name()
		times[i] = r.Time.UnixNano()
		for j, f := range r.Fields {
			fields[j][i] = f
		}
		seen[hosts[i]] = r.Host
	}
	cols := []column{{name: "hostname", kind: kindString, strs: hosts}, {name: "time", kind: kindInt64, ints: times}}
	for j, f := range series.FieldNames {
		cols = append(cols, column{name: f, kind: kindFloat64, floats: fields[j]})
	}
	if err := s.c.insert(ctx, s.table, n, cols); err != nil {
		return s.c.wrap(err, "load %d readings into %s", n, s.name)
	}
	names := make([]string, 0, len(seen))
	for h := range seen {
		names = append(names, h)
	}
	slices.Sort(names)
	tcols := make([]column, series.NumTags)
	for j, t := range series.TagNames {
		tcols[j] = column{name: t, kind: kindString, strs: make([]string, len(names))}
		for i, h := range names {
			tcols[j].strs[i] = seen[h].Tags[j]
		}
	}
	return s.c.wrap(s.c.insert(ctx, s.tags, len(names), tcols), "load the tags of %d hosts into %s", len(names), s.name)
}

func checkSeriesFields(fields []int) error {
	if len(fields) == 0 {
		return errors.New("clickhouse: no fields asked for")
	}
	for _, f := range fields {
		if f < 0 || f >= series.NumFields {
			return fmt.Errorf("clickhouse: no field %d", f)
		}
	}
	return nil
}

func checkBucket(w time.Duration) error {
	if w <= 0 {
		return fmt.Errorf("clickhouse: bucket width %v is not positive", w)
	}
	return nil
}

// distinctFields returns the distinct fields in first-seen order and, for
// each position of fields, the index of its field in that list.
func distinctFields(fields []int) (distinct, pos []int) {
	pos = make([]int, len(fields))
	for i, f := range fields {
		j := slices.Index(distinct, f)
		if j < 0 {
			j = len(distinct)
			distinct = append(distinct, f)
		}
		pos[i] = j
	}
	return distinct, pos
}

func aggList(agg string, fields []int) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = agg + "(" + series.FieldNames[f] + ")"
	}
	return strings.Join(parts, ", ")
}

func (s *seriesStore) MaxByTime(ctx context.Context, q series.MaxQuery, dst []series.Bucket) ([]series.Bucket, error) {
	dst = dst[:0]
	if err := checkSeriesFields(q.Fields); err != nil {
		return dst, err
	}
	if err := checkBucket(q.Bucket); err != nil {
		return dst, err
	}
	if !q.End.After(q.Start) || len(q.Hosts) == 0 {
		return dst, nil
	}
	fields, pos := distinctFields(q.Fields)
	w := int64(q.Bucket)
	sql := "SELECT " + bucketExpr + " AS b, " + aggList("max", fields) + " FROM " + s.table +
		" WHERE hostname IN (SELECT arrayJoin(?)) AND time >= toInt64(?) AND time < toInt64(?) GROUP BY b ORDER BY b"
	rows, err := s.c.db.Query(ctx, sql, w, w, w, q.Hosts, q.Start.UnixNano(), q.End.UnixNano())
	if err != nil {
		return dst, s.c.wrap(err, "max by time on %s", s.name)
	}
	dst, err = scanBuckets(rows, dst, len(fields), pos)
	return dst, s.c.wrap(err, "max by time on %s", s.name)
}

// scanBuckets reads rows of (bucket, n values) into dst, the values
// arranged by pos.
func scanBuckets(rows driver.Rows, dst []series.Bucket, n int, pos []int) ([]series.Bucket, error) {
	defer rows.Close()
	var b int64
	vals := make([]float64, n)
	scan := make([]any, 1+n)
	scan[0] = &b
	for i := range vals {
		scan[i+1] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(scan...); err != nil {
			return dst, err
		}
		dst = series.Grow(dst, len(dst)+1)
		d := &dst[len(dst)-1]
		d.Time = time.Unix(0, b).UTC()
		d.Values = series.Grow(d.Values, len(pos))
		for i, p := range pos {
			d.Values[i] = vals[p]
		}
	}
	return dst, rows.Err()
}

func (s *seriesStore) MeanByTimeHost(ctx context.Context, q series.MeanQuery, dst []series.HostBucket) ([]series.HostBucket, error) {
	dst = dst[:0]
	if err := checkSeriesFields(q.Fields); err != nil {
		return dst, err
	}
	if err := checkBucket(q.Bucket); err != nil {
		return dst, err
	}
	if !q.End.After(q.Start) {
		return dst, nil
	}
	fields, pos := distinctFields(q.Fields)
	w := int64(q.Bucket)
	// avg is sum / count in Float64, as the reference computes it.
	sql := "SELECT " + bucketExpr + " AS b, hostname, " + aggList("avg", fields) + " FROM " + s.table +
		" WHERE time >= toInt64(?) AND time < toInt64(?) GROUP BY b, hostname ORDER BY b, hostname"
	rows, err := s.c.db.Query(ctx, sql, w, w, w, q.Start.UnixNano(), q.End.UnixNano())
	if err != nil {
		return dst, s.c.wrap(err, "mean by time and host on %s", s.name)
	}
	defer rows.Close()
	var b int64
	var host string
	vals := make([]float64, len(fields))
	scan := []any{&b, &host}
	for i := range vals {
		scan = append(scan, &vals[i])
	}
	for rows.Next() {
		if err := rows.Scan(scan...); err != nil {
			return dst, s.c.wrap(err, "mean by time and host on %s", s.name)
		}
		dst = series.Grow(dst, len(dst)+1)
		d := &dst[len(dst)-1]
		d.Time, d.Host = time.Unix(0, b).UTC(), host
		d.Values = series.Grow(d.Values, len(pos))
		for i, p := range pos {
			d.Values[i] = vals[p]
		}
	}
	return dst, s.c.wrap(rows.Err(), "mean by time and host on %s", s.name)
}

// points reads rows of (hostname, time, ten fields) into dst.
func points(rows driver.Rows, dst []series.HostPoint) ([]series.HostPoint, error) {
	defer rows.Close()
	var p series.HostPoint
	var t int64
	scan := []any{&p.Host, &t}
	for i := range p.Fields {
		scan = append(scan, &p.Fields[i])
	}
	for rows.Next() {
		if err := rows.Scan(scan...); err != nil {
			return dst, err
		}
		p.Time = time.Unix(0, t).UTC()
		dst = append(dst, p)
	}
	return dst, rows.Err()
}

func (s *seriesStore) HighCPU(ctx context.Context, q series.HighCPUQuery, dst []series.HostPoint) ([]series.HostPoint, error) {
	dst = dst[:0]
	if !q.End.After(q.Start) {
		return dst, nil
	}
	var rows driver.Rows
	var err error
	if len(q.Hosts) == 0 {
		rows, err = s.c.db.Query(ctx, s.highCPUAll, q.Threshold, q.Start.UnixNano(), q.End.UnixNano())
	} else {
		rows, err = s.c.db.Query(ctx, s.highCPU, q.Threshold, q.Start.UnixNano(), q.End.UnixNano(), q.Hosts)
	}
	if err != nil {
		return dst, s.c.wrap(err, "high cpu on %s", s.name)
	}
	dst, err = points(rows, dst)
	return dst, s.c.wrap(err, "high cpu on %s", s.name)
}

func (s *seriesStore) LastPoint(ctx context.Context, dst []series.HostPoint) ([]series.HostPoint, error) {
	rows, err := s.c.db.Query(ctx, s.last)
	if err != nil {
		return dst[:0], s.c.wrap(err, "last point on %s", s.name)
	}
	dst, err = points(rows, dst[:0])
	return dst, s.c.wrap(err, "last point on %s", s.name)
}

func (s *seriesStore) RecentMaxByTime(ctx context.Context, q series.RecentQuery, dst []series.Bucket) ([]series.Bucket, error) {
	dst = dst[:0]
	if err := checkBucket(q.Bucket); err != nil {
		return dst, err
	}
	if q.Limit < 1 {
		return dst, fmt.Errorf("clickhouse: limit %d is not positive", q.Limit)
	}
	w := int64(q.Bucket)
	rows, err := s.c.db.Query(ctx, s.recent, w, w, w, q.End.UnixNano(), q.Limit)
	if err != nil {
		return dst, s.c.wrap(err, "recent max by time on %s", s.name)
	}
	dst, err = scanBuckets(rows, dst, 1, []int{0})
	return dst, s.c.wrap(err, "recent max by time on %s", s.name)
}
