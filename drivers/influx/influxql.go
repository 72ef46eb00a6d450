package influx

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/storefit/storefit/workloads/series"
)

var _ series.Store = (*v1Series)(nil)

// v1Series is a measurement on an InfluxDB 1.x server: rows written as line
// protocol to /write, the TSBS queries asked in InfluxQL on /query with
// bound parameters ($name) for every value that comes from a query —
// hostnames, times, threshold, bucket width, limit. Only the measurement
// and field names, which come from the workload's schema, are part of the
// statement text (quoted as identifiers).
type v1Series struct {
	c           *Conn
	name        string // measurement
	measurement string // quoted
}

func newV1Series(c *Conn, table string) *v1Series {
	return &v1Series{c: c, name: table, measurement: quoteIdent(table)}
}

// durationUnitsQL are InfluxQL's duration units for h, m, s, ms, µs, ns.
var durationUnitsQL = [6]string{"h", "m", "s", "ms", "u", "ns"}

// Setup drops the measurement: its series, their index entries and data.
// The database exists since Open.
func (s *v1Series) Setup(ctx context.Context) error {
	_, err := s.c.v1Query(ctx, "DROP MEASUREMENT "+s.measurement, nil, false)
	return err
}

// LoadRows writes the batch as line protocol in one request.
func (s *v1Series) LoadRows(ctx context.Context, rows []series.Row) error {
	if len(rows) == 0 {
		return nil
	}
	body, err := appendLines(make([]byte, 0, len(rows)*300), s.name, rows)
	if err != nil {
		return err
	}
	if err := s.c.v1Write(ctx, body); err != nil {
		return fmt.Errorf("load %d readings into %s: %w", len(rows), s.name, err)
	}
	return nil
}

// fieldList writes agg("f1"), agg("f2"), … for the fields (agg empty: the
// bare fields).
func fieldList(agg string, fields []int) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		if agg != "" {
			b.WriteString(agg + "(")
		}
		b.WriteString(quoteIdent(series.FieldNames[f]))
		if agg != "" {
			b.WriteString(")")
		}
	}
	return b.String()
}

// hostCondition writes ("hostname" = $h0 OR "hostname" = $h1 …) and adds
// the hostnames to params.
func hostCondition(hosts []string, params map[string]any) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, h := range hosts {
		if i > 0 {
			b.WriteString(" OR ")
		}
		p := "h" + strconv.Itoa(i)
		b.WriteString(`"hostname" = $` + p)
		params[p] = h
	}
	b.WriteByte(')')
	return b.String()
}

// durationParam is a bound duration parameter, as InfluxQL's params take it.
func durationParam(d time.Duration) map[string]string {
	return map[string]string{"duration": durationText(d, durationUnitsQL)}
}

func (s *v1Series) MaxByTime(ctx context.Context, q series.MaxQuery, dst []series.Bucket) ([]series.Bucket, error) {
	dst = dst[:0]
	if err := checkFields(q.Fields); err != nil {
		return dst, err
	}
	if err := checkBucket(q.Bucket); err != nil {
		return dst, err
	}
	if !q.End.After(q.Start) || len(q.Hosts) == 0 {
		return dst, nil
	}
	fields, pos := distinctFields(q.Fields)
	params := map[string]any{"start": q.Start.UnixNano(), "end": q.End.UnixNano(), "bucket": durationParam(q.Bucket)}
	stmt := "SELECT " + fieldList("max", fields) + " FROM " + s.measurement + " WHERE " + hostCondition(distinctHosts(q.Hosts), params) +
		" AND time >= $start AND time < $end GROUP BY time($bucket) fill(none)"
	res, err := s.c.v1Query(ctx, stmt, params, true)
	if err != nil {
		return dst, fmt.Errorf("max by time on %s: %w", s.name, err)
	}
	for _, sr := range res {
		for _, row := range sr.Values {
			vals, t, err := rowValues(row, len(fields))
			if err != nil {
				return dst, fmt.Errorf("%s: max by time on %s: %w", s.c.where, s.name, err)
			}
			dst = series.Grow(dst, len(dst)+1)
			b := &dst[len(dst)-1]
			b.Time = t
			b.Values = series.Grow(b.Values, len(pos))
			for i, p := range pos {
				b.Values[i] = vals[p]
			}
		}
	}
	return dst, nil
}

func (s *v1Series) MeanByTimeHost(ctx context.Context, q series.MeanQuery, dst []series.HostBucket) ([]series.HostBucket, error) {
	dst = dst[:0]
	if err := checkFields(q.Fields); err != nil {
		return dst, err
	}
	if err := checkBucket(q.Bucket); err != nil {
		return dst, err
	}
	if !q.End.After(q.Start) {
		return dst, nil
	}
	fields, pos := distinctFields(q.Fields)
	params := map[string]any{"start": q.Start.UnixNano(), "end": q.End.UnixNano(), "bucket": durationParam(q.Bucket)}
	stmt := "SELECT " + fieldList("mean", fields) + " FROM " + s.measurement +
		` WHERE time >= $start AND time < $end GROUP BY time($bucket), "hostname" fill(none)`
	res, err := s.c.v1Query(ctx, stmt, params, true)
	if err != nil {
		return dst, fmt.Errorf("mean by time and host on %s: %w", s.name, err)
	}
	for _, sr := range res {
		host := sr.Tags["hostname"]
		for _, row := range sr.Values {
			vals, t, err := rowValues(row, len(fields))
			if err != nil {
				return dst, fmt.Errorf("%s: mean by time and host on %s: %w", s.c.where, s.name, err)
			}
			dst = series.Grow(dst, len(dst)+1)
			b := &dst[len(dst)-1]
			b.Time, b.Host = t, host
			b.Values = series.Grow(b.Values, len(pos))
			for i, p := range pos {
				b.Values[i] = vals[p]
			}
		}
	}
	sortHostBuckets(dst)
	return dst, nil
}

// allFields lists the ten fields, for SELECTs of whole readings.
var allFields = func() []int {
	f := make([]int, series.NumFields)
	for i := range f {
		f[i] = i
	}
	return f
}()

func (s *v1Series) HighCPU(ctx context.Context, q series.HighCPUQuery, dst []series.HostPoint) ([]series.HostPoint, error) {
	dst = dst[:0]
	if !q.End.After(q.Start) {
		return dst, nil
	}
	params := map[string]any{"start": q.Start.UnixNano(), "end": q.End.UnixNano(), "threshold": q.Threshold}
	stmt := `SELECT "hostname", ` + fieldList("", allFields) + " FROM " + s.measurement + ` WHERE "usage_user" > $threshold`
	if len(q.Hosts) > 0 {
		stmt += " AND " + hostCondition(distinctHosts(q.Hosts), params)
	}
	stmt += " AND time >= $start AND time < $end"
	res, err := s.c.v1Query(ctx, stmt, params, true)
	if err != nil {
		return dst, fmt.Errorf("high cpu on %s: %w", s.name, err)
	}
	for _, sr := range res {
		for _, row := range sr.Values {
			if len(row) != 2+series.NumFields {
				return dst, fmt.Errorf("%s: high cpu on %s: %d columns, want %d", s.c.where, s.name, len(row), 2+series.NumFields)
			}
			host, ok := row[1].(string)
			if !ok {
				return dst, fmt.Errorf("%s: high cpu on %s: hostname is %T, want a string", s.c.where, s.name, row[1])
			}
			vals, t, err := rowValues(append(row[:1:1], row[2:]...), series.NumFields)
			if err != nil {
				return dst, fmt.Errorf("%s: high cpu on %s: %w", s.c.where, s.name, err)
			}
			dst = append(dst, series.HostPoint{Host: host, Time: t})
			copy(dst[len(dst)-1].Fields[:], vals)
		}
	}
	sortPoints(dst)
	return dst, nil
}

func (s *v1Series) LastPoint(ctx context.Context, dst []series.HostPoint) ([]series.HostPoint, error) {
	dst = dst[:0]
	stmt := "SELECT " + fieldList("", allFields) + " FROM " + s.measurement + ` GROUP BY "hostname" ORDER BY time DESC LIMIT 1`
	res, err := s.c.v1Query(ctx, stmt, nil, true)
	if err != nil {
		return dst, fmt.Errorf("last point on %s: %w", s.name, err)
	}
	for _, sr := range res {
		for _, row := range sr.Values {
			vals, t, err := rowValues(row, series.NumFields)
			if err != nil {
				return dst, fmt.Errorf("%s: last point on %s: %w", s.c.where, s.name, err)
			}
			dst = append(dst, series.HostPoint{Host: sr.Tags["hostname"], Time: t})
			copy(dst[len(dst)-1].Fields[:], vals)
		}
	}
	sortByHost(dst) // one reading per host
	return dst, nil
}

func (s *v1Series) RecentMaxByTime(ctx context.Context, q series.RecentQuery, dst []series.Bucket) ([]series.Bucket, error) {
	dst = dst[:0]
	if err := checkBucket(q.Bucket); err != nil {
		return dst, err
	}
	if q.Limit < 1 {
		return dst, fmt.Errorf("influx: limit %d is not positive", q.Limit)
	}
	params := map[string]any{"end": q.End.UnixNano(), "bucket": durationParam(q.Bucket), "limit": q.Limit}
	stmt := `SELECT max("usage_user") FROM ` + s.measurement +
		" WHERE time < $end GROUP BY time($bucket) fill(none) ORDER BY time DESC LIMIT $limit"
	res, err := s.c.v1Query(ctx, stmt, params, true)
	if err != nil {
		return dst, fmt.Errorf("recent max by time on %s: %w", s.name, err)
	}
	for _, sr := range res {
		for _, row := range sr.Values {
			vals, t, err := rowValues(row, 1)
			if err != nil {
				return dst, fmt.Errorf("%s: recent max by time on %s: %w", s.c.where, s.name, err)
			}
			dst = series.Grow(dst, len(dst)+1)
			b := &dst[len(dst)-1]
			b.Time = t
			b.Values = append(b.Values[:0], vals[0])
		}
	}
	return dst, nil
}

// rowValues reads a row of (time, n floats): the time in Unix nanoseconds,
// the values as floats. A null value (a reading without the field) is an
// error: every reading has all fields.
func rowValues(row []any, n int) ([]float64, time.Time, error) {
	if len(row) != n+1 {
		return nil, time.Time{}, fmt.Errorf("%d columns, want %d", len(row), n+1)
	}
	tn, ok := row[0].(json.Number)
	if !ok {
		return nil, time.Time{}, fmt.Errorf("time is %T, want a number", row[0])
	}
	ns, err := tn.Int64()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("time %s: %v", tn, err)
	}
	vals := make([]float64, n)
	for i := range n {
		v, ok := row[i+1].(json.Number)
		if !ok {
			return nil, time.Time{}, fmt.Errorf("value %d is %v (%T), want a number", i, row[i+1], row[i+1])
		}
		if vals[i], err = v.Float64(); err != nil {
			return nil, time.Time{}, fmt.Errorf("value %d: %v", i, err)
		}
	}
	return vals, time.Unix(0, ns).UTC(), nil
}
