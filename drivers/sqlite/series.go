package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/storefit/storefit/workloads/series"
)

var (
	_ series.Provider = (*Conn)(nil)
	_ series.Store    = (*seriesTable)(nil)
)

// seriesTable is a measurement, TSBS-style: a tags table with one row per
// host and a readings table clustered by (hostname, time),
//
//	cpu_tags(hostname TEXT PRIMARY KEY, region, …, service_environment) WITHOUT ROWID
//	cpu(hostname TEXT, time INTEGER, usage_user REAL, …, usage_guest_nice REAL,
//	    PRIMARY KEY (hostname, time)) WITHOUT ROWID
//
// so a host's readings in a window are one range of the primary key, and
// queries over all hosts walk the tags table and take each host's range
// (no index on time alone is needed). time is in Unix nanoseconds.
type seriesTable struct {
	c          *Conn
	name       string
	table      string // quoted
	tags       string // quoted
	insertRow  string
	insertTags string

	mu   sync.RWMutex
	sqls map[string]string // query text by shape (see sqlFor)
}

// SeriesStore returns a handle on the measurement s names.
func (c *Conn) SeriesStore(s series.Schema) (series.Store, error) {
	if err := checkName("table", s.Table); err != nil {
		return nil, err
	}
	t := &seriesTable{c: c, name: s.Table, table: ident(s.Table), tags: ident(s.Table + "_tags"), sqls: map[string]string{}}
	t.insertRow = "INSERT INTO " + t.table + " (hostname, time, " + strings.Join(series.FieldNames[:], ", ") + ") VALUES"
	t.insertTags = "INSERT INTO " + t.tags + " (" + strings.Join(series.TagNames[:], ", ") + ") VALUES"
	return t, nil
}

func (t *seriesTable) Setup(ctx context.Context) error {
	var tags, fields strings.Builder
	for _, n := range series.TagNames[1:] {
		tags.WriteString(", " + n + " TEXT NOT NULL")
	}
	for _, n := range series.FieldNames {
		fields.WriteString(", " + n + " REAL NOT NULL")
	}
	err := t.c.execScript(ctx,
		"DROP TABLE IF EXISTS "+t.table,
		"DROP TABLE IF EXISTS "+t.tags,
		"CREATE TABLE "+t.tags+" (hostname TEXT PRIMARY KEY NOT NULL"+tags.String()+") WITHOUT ROWID",
		"CREATE TABLE "+t.table+" (hostname TEXT NOT NULL, time INTEGER NOT NULL"+fields.String()+
			", PRIMARY KEY (hostname, time)) WITHOUT ROWID")
	if err != nil {
		return fmt.Errorf("sqlite: series setup %s: %w", t.name, err)
	}
	return nil
}

// LoadRows writes the batch's hosts (new ones only) and readings in one
// transaction.
func (t *seriesTable) LoadRows(ctx context.Context, rows []series.Row) error {
	var hosts []*series.Host
	seen := map[string]bool{}
	for _, r := range rows {
		if r.Host == nil || r.Host.Name() == "" {
			return fmt.Errorf("sqlite: series %s: row without a host", t.name)
		}
		if !seen[r.Host.Name()] {
			seen[r.Host.Name()] = true
			hosts = append(hosts, r.Host)
		}
	}
	err := t.c.tx(ctx, func(w *writeConn) error {
		err := bulkInsert(ctx, w, t.insertTags, "ON CONFLICT DO NOTHING", series.NumTags, len(hosts), func(dst []any, i int) []any {
			for _, v := range hosts[i].Tags {
				dst = append(dst, v)
			}
			return dst
		})
		if err != nil {
			return err
		}
		return bulkInsert(ctx, w, t.insertRow, "", 2+series.NumFields, len(rows), func(dst []any, i int) []any {
			r := &rows[i]
			dst = append(dst, r.Host.Name(), r.Time.UnixNano())
			for _, f := range r.Fields {
				dst = append(dst, f)
			}
			return dst
		})
	})
	if err != nil {
		return fmt.Errorf("sqlite: series load %s: %w", t.name, err)
	}
	return nil
}

// sqlFor returns the query text cached under key, built by mk the first
// time. Texts vary with the fields asked for, never with data.
func (t *seriesTable) sqlFor(key string, mk func() string) string {
	t.mu.RLock()
	q, ok := t.sqls[key]
	t.mu.RUnlock()
	if ok {
		return q
	}
	q = mk()
	t.mu.Lock()
	t.sqls[key] = q
	t.mu.Unlock()
	return q
}

// bucketSQL is the epoch-aligned bucket of time with width ?w (a named
// parameter :w); SQLite's % keeps the dividend's sign, hence the second
// modulo.
const bucketSQL = "(time - ((time % :w) + :w) % :w)"

func checkSeriesFields(fields []int) error {
	if len(fields) == 0 {
		return fmt.Errorf("sqlite: no fields asked for")
	}
	for _, f := range fields {
		if f < 0 || f >= series.NumFields {
			return fmt.Errorf("sqlite: no field %d", f)
		}
	}
	return nil
}

func checkWidth(w time.Duration) error {
	if w <= 0 {
		return fmt.Errorf("sqlite: bucket width %v is not positive", w)
	}
	return nil
}

// aggList returns "agg(f1), agg(f2), …" for the fields, and the key that
// names the list.
func aggList(agg string, fields []int) (list, key string) {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = agg + "(" + series.FieldNames[f] + ")"
	}
	return strings.Join(parts, ", "), agg + fieldsKey(fields)
}

// hostsJSON encodes hostnames as a JSON array, bound as one parameter and
// opened by json_each.
func hostsJSON(hosts []string) string {
	b, _ := json.Marshal(hosts)
	return string(b)
}

func (t *seriesTable) MaxByTime(ctx context.Context, q series.MaxQuery, dst []series.Bucket) ([]series.Bucket, error) {
	if err := checkSeriesFields(q.Fields); err != nil {
		return dst[:0], err
	}
	if err := checkWidth(q.Bucket); err != nil {
		return dst[:0], err
	}
	list, key := aggList("MAX", q.Fields)
	query := t.sqlFor("maxbytime "+key, func() string {
		return "SELECT " + bucketSQL + " AS bucket, " + list + " FROM " + t.table +
			" WHERE hostname IN (SELECT value FROM json_each(:hosts)) AND time >= :start AND time < :end GROUP BY bucket ORDER BY bucket"
	})
	rows, err := t.c.query(ctx, query, sql.Named("w", int64(q.Bucket)), sql.Named("hosts", hostsJSON(q.Hosts)),
		sql.Named("start", q.Start.UnixNano()), sql.Named("end", q.End.UnixNano()))
	if err != nil {
		return dst[:0], fmt.Errorf("sqlite: series MaxByTime: %w", err)
	}
	dst, err = scanBuckets(rows, len(q.Fields), dst)
	if err != nil {
		return dst, fmt.Errorf("sqlite: series MaxByTime: %w", err)
	}
	return dst, nil
}

// scanBuckets reads (bucket, value…) rows into dst and closes rows.
func scanBuckets(rows *sql.Rows, n int, dst []series.Bucket) ([]series.Bucket, error) {
	defer rows.Close()
	dst = dst[:0]
	ptrs := make([]any, n+1)
	var at int64
	ptrs[0] = &at
	for rows.Next() {
		dst = series.Grow(dst, len(dst)+1)
		b := &dst[len(dst)-1]
		b.Values = series.Grow(b.Values, n)
		for i := range b.Values {
			ptrs[1+i] = &b.Values[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return dst[:0], err
		}
		b.Time = unixNano(at)
	}
	if err := rows.Err(); err != nil {
		return dst[:0], err
	}
	return dst, nil
}

func (t *seriesTable) MeanByTimeHost(ctx context.Context, q series.MeanQuery, dst []series.HostBucket) ([]series.HostBucket, error) {
	if err := checkSeriesFields(q.Fields); err != nil {
		return dst[:0], err
	}
	if err := checkWidth(q.Bucket); err != nil {
		return dst[:0], err
	}
	list, key := aggList("AVG", q.Fields)
	query := t.sqlFor("meanbytimehost "+key, func() string {
		return "SELECT " + bucketSQL + " AS bucket, h.hostname, " + list + " FROM " + t.tags + " h JOIN " + t.table +
			" c ON c.hostname = h.hostname AND c.time >= :start AND c.time < :end GROUP BY bucket, h.hostname ORDER BY bucket, h.hostname"
	})
	rows, err := t.c.query(ctx, query, sql.Named("w", int64(q.Bucket)), sql.Named("start", q.Start.UnixNano()), sql.Named("end", q.End.UnixNano()))
	if err != nil {
		return dst[:0], fmt.Errorf("sqlite: series MeanByTimeHost: %w", err)
	}
	defer rows.Close()
	dst = dst[:0]
	n := len(q.Fields)
	ptrs := make([]any, n+2)
	var at int64
	var host sql.RawBytes
	ptrs[0], ptrs[1] = &at, &host
	for rows.Next() {
		dst = series.Grow(dst, len(dst)+1)
		b := &dst[len(dst)-1]
		b.Values = series.Grow(b.Values, n)
		for i := range b.Values {
			ptrs[2+i] = &b.Values[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return dst[:0], fmt.Errorf("sqlite: series MeanByTimeHost: %w", err)
		}
		b.Time = unixNano(at)
		if b.Host != string(host) {
			b.Host = string(host)
		}
	}
	if err := rows.Err(); err != nil {
		return dst[:0], fmt.Errorf("sqlite: series MeanByTimeHost: %w", err)
	}
	return dst, nil
}

// allFields is the column list of a whole reading.
var allFields = strings.Join(series.FieldNames[:], ", ")

// scanPoints reads (hostname, time, fields…) rows into dst and closes rows.
func scanPoints(rows *sql.Rows, dst []series.HostPoint) ([]series.HostPoint, error) {
	defer rows.Close()
	dst = dst[:0]
	ptrs := make([]any, 2+series.NumFields)
	var at int64
	var host sql.RawBytes
	ptrs[0], ptrs[1] = &host, &at
	for rows.Next() {
		dst = series.Grow(dst, len(dst)+1)
		p := &dst[len(dst)-1]
		for i := range p.Fields {
			ptrs[2+i] = &p.Fields[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return dst[:0], err
		}
		p.Time = unixNano(at)
		if p.Host != string(host) {
			p.Host = string(host)
		}
	}
	if err := rows.Err(); err != nil {
		return dst[:0], err
	}
	return dst, nil
}

func (t *seriesTable) HighCPU(ctx context.Context, q series.HighCPUQuery, dst []series.HostPoint) ([]series.HostPoint, error) {
	var query string
	args := []any{sql.Named("start", q.Start.UnixNano()), sql.Named("end", q.End.UnixNano()), sql.Named("threshold", q.Threshold)}
	if len(q.Hosts) == 0 {
		query = t.sqlFor("highcpu all", func() string {
			return "SELECT c.hostname, c.time, " + allFields + " FROM " + t.tags + " h JOIN " + t.table +
				" c ON c.hostname = h.hostname AND c.time >= :start AND c.time < :end WHERE c.usage_user > :threshold ORDER BY c.time, c.hostname"
		})
	} else {
		query = t.sqlFor("highcpu hosts", func() string {
			return "SELECT hostname, time, " + allFields + " FROM " + t.table +
				" WHERE hostname IN (SELECT value FROM json_each(:hosts)) AND time >= :start AND time < :end AND usage_user > :threshold ORDER BY time, hostname"
		})
		args = append(args, sql.Named("hosts", hostsJSON(q.Hosts)))
	}
	rows, err := t.c.query(ctx, query, args...)
	if err != nil {
		return dst[:0], fmt.Errorf("sqlite: series HighCPU: %w", err)
	}
	dst, err = scanPoints(rows, dst)
	if err != nil {
		return dst, fmt.Errorf("sqlite: series HighCPU: %w", err)
	}
	return dst, nil
}

// LastPoint takes each host's latest reading with one primary key probe
// (MAX(time) of a hostname is the last entry of its range).
func (t *seriesTable) LastPoint(ctx context.Context, dst []series.HostPoint) ([]series.HostPoint, error) {
	query := t.sqlFor("lastpoint", func() string {
		return "SELECT c.hostname, c.time, " + allFields + " FROM " + t.tags + " h JOIN " + t.table +
			" c ON c.hostname = h.hostname AND c.time = (SELECT MAX(time) FROM " + t.table + " m WHERE m.hostname = h.hostname) ORDER BY h.hostname"
	})
	rows, err := t.c.query(ctx, query)
	if err != nil {
		return dst[:0], fmt.Errorf("sqlite: series LastPoint: %w", err)
	}
	dst, err = scanPoints(rows, dst)
	if err != nil {
		return dst, fmt.Errorf("sqlite: series LastPoint: %w", err)
	}
	return dst, nil
}

// RecentMaxByTime first asks only for the readings of the q.Limit latest
// possible buckets, [bucket start of End − Limit·Bucket, End): those
// buckets are complete in that window, and if it holds at least Limit of
// them they are the answer, every other bucket being older. Otherwise (gaps
// in the data) it asks again over all readings before End.
func (t *seriesTable) RecentMaxByTime(ctx context.Context, q series.RecentQuery, dst []series.Bucket) ([]series.Bucket, error) {
	if err := checkWidth(q.Bucket); err != nil {
		return dst[:0], err
	}
	if q.Limit < 1 {
		return dst[:0], fmt.Errorf("sqlite: limit %d is not positive", q.Limit)
	}
	query := t.sqlFor("recent", func() string {
		return "SELECT " + bucketSQL + " AS bucket, MAX(c.usage_user) FROM " + t.tags + " h JOIN " + t.table +
			" c ON c.hostname = h.hostname AND c.time >= :start AND c.time < :end GROUP BY bucket ORDER BY bucket DESC LIMIT :limit"
	})
	end := q.End.UnixNano()
	w := int64(q.Bucket)
	start := int64(-1 << 63)
	if span := w * int64(q.Limit); span/int64(q.Limit) == w && end-span < end { // no overflow
		start = series.BucketStart(time.Unix(0, end-span), q.Bucket).UnixNano()
	}
	for {
		rows, err := t.c.query(ctx, query, sql.Named("w", w), sql.Named("start", start), sql.Named("end", end), sql.Named("limit", q.Limit))
		if err != nil {
			return dst[:0], fmt.Errorf("sqlite: series RecentMaxByTime: %w", err)
		}
		dst, err = scanBuckets(rows, 1, dst)
		if err != nil {
			return dst, fmt.Errorf("sqlite: series RecentMaxByTime: %w", err)
		}
		if len(dst) >= q.Limit || start == -1<<63 {
			return dst, nil
		}
		start = -1 << 63
	}
}
