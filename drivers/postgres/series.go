package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/series"
)

var (
	_ series.Provider      = (*Conn)(nil)
	_ series.Store         = (*seriesStore)(nil)
	_ drivers.LoadFinisher = (*seriesStore)(nil)
)

// seriesStore is a measurement as TSBS lays it out for TimescaleDB: a tags
// table (one row per host: id, hostname, the other nine tags) and a
// readings table (time, tags_id, ten float8 fields), indexed by (tags_id,
// time DESC) for per-host windows and the last point, and by time for
// windows over all hosts.
type seriesStore struct {
	c                 *Conn
	name, table       string // readings
	tagsName, tagsTbl string // tags
	fieldCols         string // usage_user, …
	timescale         bool   // the timescale store: time_bucket, compression

	upsertTags, tagIDs           string
	highCPU, highCPUAll, last    string
	recent, recentAll, maxBefore string

	mu      sync.RWMutex
	queries map[string]string // MaxByTime and MeanByTimeHost statements by field list
}

// epoch is the origin of time buckets (date_bin's third argument).
const epoch = "'1970-01-01 00:00:00+00'::timestamptz"

// SeriesStore returns a handle on the measurement s names.
func (c *Conn) SeriesStore(s series.Schema) (series.Store, error) {
	if err := checkName("series table", s.Table); err != nil {
		return nil, err
	}
	st := &seriesStore{c: c, name: s.Table, table: ident(s.Table), tagsName: s.Table + "_tags", queries: map[string]string{}}
	st.tagsTbl = ident(st.tagsName)
	st.fieldCols = "c." + strings.Join(series.FieldNames[:], ", c.")
	t, tags := st.table, st.tagsTbl
	tagCols := strings.Join(series.TagNames[:], ", ")
	params := make([]string, series.NumTags)
	for i := range params {
		params[i] = "$" + strconv.Itoa(i+1) + "::text[]"
	}
	st.upsertTags = "INSERT INTO " + tags + " (" + tagCols + ") SELECT * FROM unnest(" + strings.Join(params, ", ") +
		") ON CONFLICT (hostname) DO NOTHING"
	st.tagIDs = "SELECT hostname, id FROM " + tags + " WHERE hostname = ANY($1)"
	st.highCPU = "SELECT t.hostname, c.time, " + st.fieldCols + " FROM " + t + " c JOIN " + tags + " t ON t.id = c.tags_id" +
		" WHERE c.usage_user > $1 AND c.time >= $2 AND c.time < $3 AND t.hostname = ANY($4) ORDER BY c.time, t.hostname"
	st.highCPUAll = "SELECT t.hostname, c.time, " + st.fieldCols + " FROM " + t + " c JOIN " + tags + " t ON t.id = c.tags_id" +
		" WHERE c.usage_user > $1 AND c.time >= $2 AND c.time < $3 ORDER BY c.time, t.hostname"
	// The latest reading of each host: one index probe per host.
	st.last = "SELECT t.hostname, c.time, " + st.fieldCols + " FROM " + tags + " t CROSS JOIN LATERAL (SELECT * FROM " + t +
		" r WHERE r.tags_id = t.id ORDER BY r.time DESC LIMIT 1) c ORDER BY t.hostname"
	// groupby-orderby-limit: the latest reading before the end (one index
	// probe per host), then only the readings of the last $4 buckets up to
	// it; recentAll is the fallback when gaps leave fewer buckets there.
	st.maxBefore = "SELECT max(l.time) FROM " + tags + " t CROSS JOIN LATERAL (SELECT r.time FROM " + t +
		" r WHERE r.tags_id = t.id AND r.time < $1 ORDER BY r.time DESC LIMIT 1) l"
	ts := c.cfg.Timescale == TimescaleRequire
	st.timescale = ts
	st.recent = "SELECT " + bucketSQL(ts, "$1", "time") + " AS b, max(usage_user) FROM " + t +
		" WHERE time >= " + bucketSQL(ts, "$1", "$3::timestamptz") + " - $1 * ($4 - 1) AND time < $2 GROUP BY b ORDER BY b DESC LIMIT $4"
	st.recentAll = "SELECT " + bucketSQL(ts, "$1", "time") + " AS b, max(usage_user) FROM " + t +
		" WHERE time < $2 GROUP BY b ORDER BY b DESC LIMIT $3"
	return st, nil
}

// Setup drops and creates the two tables; the readings' indexes come with
// FinishLoad. They are plain tables unless the store uses TimescaleDB (the
// timescale store, or timescaledb=on): then the readings table is a
// hypertable of 12-hour chunks.
func (s *seriesStore) Setup(ctx context.Context) error {
	var fields []string
	for _, f := range series.FieldNames {
		fields = append(fields, f+" double precision NOT NULL")
	}
	var tags []string
	for i, n := range series.TagNames {
		if i == 0 {
			tags = append(tags, n+` text COLLATE "C" NOT NULL UNIQUE`)
			continue
		}
		tags = append(tags, n+" text")
	}
	err := s.c.ddl(ctx, "setup "+s.name,
		"DROP TABLE IF EXISTS "+s.table+", "+s.tagsTbl,
		"CREATE TABLE "+s.tagsTbl+" (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "+strings.Join(tags, ", ")+")",
		"CREATE TABLE "+s.table+" (time timestamptz NOT NULL, tags_id integer NOT NULL, "+strings.Join(fields, ", ")+")")
	if err != nil {
		return err
	}
	if !s.c.hypertables() {
		return nil
	}
	return s.c.ddl(ctx, "make "+s.name+" a hypertable", timescaleSetupDDL(s.table, s.timescale)...)
}

// FinishLoad builds the indexes and analyzes the tables; the timescale
// store then compresses the hypertable's chunks.
func (s *seriesStore) FinishLoad(ctx context.Context) error {
	err := s.c.finishLoad(ctx, s.name, false,
		"CREATE INDEX IF NOT EXISTS "+ident(s.name+"_tags_time")+" ON "+s.table+" (tags_id, time DESC)",
		"CREATE INDEX IF NOT EXISTS "+ident(s.name+"_time")+" ON "+s.table+" (time)",
		"ANALYZE "+s.tagsTbl)
	if err != nil || !s.timescale {
		return err
	}
	return s.c.ddl(ctx, "compress "+s.name, timescaleFinishDDL(s.table))
}

// LoadRows adds the batch's new hosts to the tags table, looks up their ids
// and copies the readings with COPY (binary).
func (s *seriesStore) LoadRows(ctx context.Context, rows []series.Row) error {
	hosts := map[string]*series.Host{}
	for _, r := range rows {
		if r.Host == nil || r.Host.Name() == "" {
			return fmt.Errorf("postgres: series row without a host")
		}
		hosts[r.Host.Name()] = r.Host
	}
	names := make([]string, 0, len(hosts))
	for n := range hosts {
		names = append(names, n)
	}
	slices.Sort(names) // concurrent loaders lock new tags in one order
	cols := make([]any, series.NumTags)
	for i := range cols {
		vals := make([]string, len(names))
		for j, n := range names {
			vals[j] = hosts[n].Tags[i]
		}
		cols[i] = vals
	}
	if _, err := s.c.pool.Exec(ctx, s.upsertTags, cols...); err != nil {
		return s.c.wrap(err, "add hosts to %s", s.tagsName)
	}
	ids := make(map[string]int32, len(names))
	trows, _ := s.c.pool.Query(ctx, s.tagIDs, names)
	var name string
	var id int32
	_, err := pgx.ForEachRow(trows, []any{&name, &id}, func() error {
		ids[name] = id
		return nil
	})
	if err != nil {
		return s.c.wrap(err, "look up hosts in %s", s.tagsName)
	}
	copyCols := append([]string{"time", "tags_id"}, series.FieldNames[:]...)
	row := make([]any, len(copyCols))
	_, err = s.c.pool.CopyFrom(ctx, pgx.Identifier{s.name}, copyCols, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		r := &rows[i]
		row[0] = r.Time
		row[1] = ids[r.Host.Name()]
		for j, f := range r.Fields {
			row[j+2] = f
		}
		return row, nil
	}))
	return s.c.wrap(err, "load %d readings into %s", len(rows), s.name)
}

func checkSeriesFields(fields []int) error {
	if len(fields) == 0 {
		return fmt.Errorf("postgres: no fields asked for")
	}
	for _, f := range fields {
		if f < 0 || f >= series.NumFields {
			return fmt.Errorf("postgres: no field %d", f)
		}
	}
	return nil
}

func checkBucket(w time.Duration) error {
	if w <= 0 {
		return fmt.Errorf("postgres: bucket width %v is not positive", w)
	}
	if w%time.Microsecond != 0 {
		return fmt.Errorf("postgres: bucket width %v is not a whole number of microseconds", w)
	}
	return nil
}

// statement returns the MaxByTime ("max") or MeanByTimeHost ("avg")
// statement for a field list, built once per list.
func (s *seriesStore) statement(kind string, fields []int) string {
	var kb strings.Builder
	kb.WriteString(kind)
	for _, f := range fields {
		kb.WriteByte(',')
		kb.WriteString(strconv.Itoa(f))
	}
	key := kb.String()
	s.mu.RLock()
	q, ok := s.queries[key]
	s.mu.RUnlock()
	if ok {
		return q
	}
	aggs := make([]string, len(fields))
	for i, f := range fields {
		aggs[i] = kind + "(c." + series.FieldNames[f] + ")"
	}
	switch kind {
	case "max":
		q = "SELECT " + bucketSQL(s.timescale, "$1", "c.time") + " AS b, " + strings.Join(aggs, ", ") + " FROM " + s.table + " c" +
			" WHERE c.tags_id IN (SELECT id FROM " + s.tagsTbl + " WHERE hostname = ANY($2)) AND c.time >= $3 AND c.time < $4" +
			" GROUP BY b ORDER BY b"
	case "avg":
		q = "SELECT g.b, t.hostname, g.* FROM (SELECT " + bucketSQL(s.timescale, "$1", "c.time") + " AS b, c.tags_id, " + strings.Join(aggs, ", ") +
			" FROM " + s.table + " c WHERE c.time >= $2 AND c.time < $3 GROUP BY 1, 2) g JOIN " + s.tagsTbl +
			" t ON t.id = g.tags_id ORDER BY g.b, t.hostname"
	}
	s.mu.Lock()
	s.queries[key] = q
	s.mu.Unlock()
	return q
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
	rows, err := s.c.pool.Query(ctx, s.statement("max", q.Fields), q.Bucket, q.Hosts, ceilMicro(q.Start), ceilMicro(q.End))
	if err != nil {
		return dst, s.c.wrap(err, "max by time on %s", s.name)
	}
	defer rows.Close()
	scan := make([]any, 1+len(q.Fields))
	for rows.Next() {
		dst = series.Grow(dst, len(dst)+1)
		b := &dst[len(dst)-1]
		b.Values = series.Grow(b.Values, len(q.Fields))
		scan[0] = &b.Time
		for i := range q.Fields {
			scan[i+1] = &b.Values[i]
		}
		if err := rows.Scan(scan...); err != nil {
			return dst, s.c.wrap(err, "max by time on %s", s.name)
		}
		b.Time = b.Time.UTC()
	}
	return dst, s.c.wrap(rows.Err(), "max by time on %s", s.name)
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
	rows, err := s.c.pool.Query(ctx, s.statement("avg", q.Fields), q.Bucket, ceilMicro(q.Start), ceilMicro(q.End))
	if err != nil {
		return dst, s.c.wrap(err, "mean by time and host on %s", s.name)
	}
	defer rows.Close()
	// Columns: b, hostname, then g.*: b, tags_id, the means.
	var skipTime time.Time
	var skipID int32
	scan := make([]any, 4+len(q.Fields))
	for rows.Next() {
		dst = series.Grow(dst, len(dst)+1)
		b := &dst[len(dst)-1]
		b.Values = series.Grow(b.Values, len(q.Fields))
		scan[0], scan[1], scan[2], scan[3] = &b.Time, &b.Host, &skipTime, &skipID
		for i := range q.Fields {
			scan[i+4] = &b.Values[i]
		}
		if err := rows.Scan(scan...); err != nil {
			return dst, s.c.wrap(err, "mean by time and host on %s", s.name)
		}
		b.Time = b.Time.UTC()
	}
	return dst, s.c.wrap(rows.Err(), "mean by time and host on %s", s.name)
}

// points reads rows of (hostname, time, ten fields) into dst.
func (s *seriesStore) points(rows pgx.Rows, dst []series.HostPoint, what string) ([]series.HostPoint, error) {
	defer rows.Close()
	scan := make([]any, 2+series.NumFields)
	for rows.Next() {
		dst = series.Grow(dst, len(dst)+1)
		p := &dst[len(dst)-1]
		scan[0], scan[1] = &p.Host, &p.Time
		for i := range p.Fields {
			scan[i+2] = &p.Fields[i]
		}
		if err := rows.Scan(scan...); err != nil {
			return dst, s.c.wrap(err, "%s on %s", what, s.name)
		}
		p.Time = p.Time.UTC()
	}
	return dst, s.c.wrap(rows.Err(), "%s on %s", what, s.name)
}

func (s *seriesStore) HighCPU(ctx context.Context, q series.HighCPUQuery, dst []series.HostPoint) ([]series.HostPoint, error) {
	dst = dst[:0]
	if !q.End.After(q.Start) {
		return dst, nil
	}
	var rows pgx.Rows
	var err error
	if len(q.Hosts) == 0 {
		rows, err = s.c.pool.Query(ctx, s.highCPUAll, q.Threshold, ceilMicro(q.Start), ceilMicro(q.End))
	} else {
		rows, err = s.c.pool.Query(ctx, s.highCPU, q.Threshold, ceilMicro(q.Start), ceilMicro(q.End), q.Hosts)
	}
	if err != nil {
		return dst, s.c.wrap(err, "high cpu on %s", s.name)
	}
	return s.points(rows, dst, "high cpu")
}

func (s *seriesStore) LastPoint(ctx context.Context, dst []series.HostPoint) ([]series.HostPoint, error) {
	rows, err := s.c.pool.Query(ctx, s.last)
	if err != nil {
		return dst[:0], s.c.wrap(err, "last point on %s", s.name)
	}
	return s.points(rows, dst[:0], "last point")
}

func (s *seriesStore) RecentMaxByTime(ctx context.Context, q series.RecentQuery, dst []series.Bucket) ([]series.Bucket, error) {
	dst = dst[:0]
	if err := checkBucket(q.Bucket); err != nil {
		return dst, err
	}
	if q.Limit < 1 {
		return dst, fmt.Errorf("postgres: limit %d is not positive", q.Limit)
	}
	end := ceilMicro(q.End)
	var last *time.Time
	if err := s.c.pool.QueryRow(ctx, s.maxBefore, end).Scan(&last); err != nil {
		return dst, s.c.wrap(err, "recent max by time on %s", s.name)
	}
	if last == nil {
		return dst, nil // no reading before the end
	}
	var err error
	dst, err = s.buckets(ctx, dst, s.recent, q.Bucket, end, *last, q.Limit)
	if err != nil || len(dst) == q.Limit {
		return dst, err
	}
	// Gaps: fewer buckets than asked in the last Limit bucket widths.
	return s.buckets(ctx, dst[:0], s.recentAll, q.Bucket, end, q.Limit)
}

func (s *seriesStore) buckets(ctx context.Context, dst []series.Bucket, sql string, args ...any) ([]series.Bucket, error) {
	rows, err := s.c.pool.Query(ctx, sql, args...)
	if err != nil {
		return dst, s.c.wrap(err, "recent max by time on %s", s.name)
	}
	defer rows.Close()
	for rows.Next() {
		dst = series.Grow(dst, len(dst)+1)
		b := &dst[len(dst)-1]
		b.Values = series.Grow(b.Values, 1)
		if err := rows.Scan(&b.Time, &b.Values[0]); err != nil {
			return dst, s.c.wrap(err, "recent max by time on %s", s.name)
		}
		b.Time = b.Time.UTC()
	}
	return dst, s.c.wrap(rows.Err(), "recent max by time on %s", s.name)
}
