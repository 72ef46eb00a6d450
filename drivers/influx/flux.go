package influx

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/influxdata/influxdb-client-go/v2/api"

	"github.com/storefit/storefit/workloads/series"
)

var _ series.Store = (*v2Series)(nil)

// v2Series is a measurement in a bucket of an InfluxDB 2.x server, through
// influxdb-client-go: rows written as line protocol by the client's write
// API (one gzip request per batch), the TSBS queries asked in Flux.
//
// InfluxDB OSS 2.x has no query parameters (the client's QueryWithParams is
// for InfluxDB Cloud only), so values from a query — hostnames, times,
// threshold, bucket width — are written into the Flux text as literals by
// fluxString, fluxTime, fluxFloat and fluxDuration, which produce only
// valid literals of their type (strings with every quote, backslash and
// interpolation escaped). The text of every query is fixed by golden files
// (testdata/flux/).
type v2Series struct {
	c      *Conn
	name   string // measurement
	writer api.WriteAPIBlocking

	bucketMu sync.Mutex
	bucketOK bool
}

func newV2Series(c *Conn, table string) *v2Series {
	return &v2Series{c: c, name: table, writer: c.v2.WriteAPIBlocking(c.cfg.Org, c.cfg.Bucket)}
}

// durationUnitsFlux are Flux's duration units for h, m, s, ms, µs, ns.
var durationUnitsFlux = [6]string{"h", "m", "s", "ms", "us", "ns"}

// Times of the range that stands for "all time" (LastPoint,
// RecentMaxByTime, Setup's delete): Flux needs bounds, and the data's times
// lie between.
var (
	fluxMinTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	fluxMaxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// fluxString returns s as a Flux string literal: double quotes, with
// backslash, double quote and the interpolation opener ${ escaped, and
// control characters written as escapes.
func fluxString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '$':
			b.WriteString(`\$`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\x%02x`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// fluxTime returns t as a Flux time literal (RFC 3339, nanoseconds, UTC).
func fluxTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// fluxFloat returns f as a Flux float literal: always with a decimal point,
// since 90 would be an int, which Flux does not compare with a float field.
func fluxFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return fmt.Sprintf("float(v: %s)", fluxString(strconv.FormatFloat(f, 'g', -1, 64)))
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	if f < 0 {
		return "(" + s + ")"
	}
	return s
}

// fluxDuration returns a positive duration as a Flux duration literal.
func fluxDuration(d time.Duration) string { return durationText(d, durationUnitsFlux) }

// fluxFrom writes the start every query shares: the bucket, the range
// [start, stop) and the measurement.
func (s *v2Series) fluxFrom(b *strings.Builder, start, stop time.Time) {
	b.WriteString("from(bucket: " + fluxString(s.c.cfg.Bucket) + ")\n")
	b.WriteString("  |> range(start: " + fluxTime(start) + ", stop: " + fluxTime(stop) + ")\n")
	b.WriteString("  |> filter(fn: (r) => r._measurement == " + fluxString(s.name) + ")\n")
}

// fluxOr writes filter(fn: (r) => r.col == v1 or r.col == v2 …).
func fluxOr(b *strings.Builder, col string, vals []string) {
	b.WriteString("  |> filter(fn: (r) => ")
	for i, v := range vals {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString("r." + col + " == " + fluxString(v))
	}
	b.WriteString(")\n")
}

func fieldNames(fields []int) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = series.FieldNames[f]
	}
	return out
}

// fluxColumns writes a Flux array of column names.
func fluxColumns(cols ...string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = fluxString(c)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// maxByTimeFlux is MaxByTime (TSBS single-groupby-*) in Flux for distinct
// fields and hosts: one table per field over all the hosts, maxima per
// window. Windows are epoch-aligned; timeSrc "_start" stamps each with its
// start, which range() clips for the first window, so the driver maps each
// time to its bucket start.
func (s *v2Series) maxByTimeFlux(q series.MaxQuery, fields []int, hosts []string) string {
	var b strings.Builder
	s.fluxFrom(&b, q.Start, q.End)
	fluxOr(&b, "hostname", hosts)
	fluxOr(&b, "_field", fieldNames(fields))
	b.WriteString(`  |> group(columns: ["_field"])` + "\n")
	b.WriteString("  |> aggregateWindow(every: " + fluxDuration(q.Bucket) + `, fn: max, timeSrc: "_start", createEmpty: false)` + "\n")
	b.WriteString(`  |> keep(columns: ["_time", "_field", "_value"])` + "\n")
	return b.String()
}

// meanByTimeHostFlux is MeanByTimeHost (TSBS double-groupby-*): one table
// per host and field, means per window.
func (s *v2Series) meanByTimeHostFlux(q series.MeanQuery, fields []int) string {
	var b strings.Builder
	s.fluxFrom(&b, q.Start, q.End)
	fluxOr(&b, "_field", fieldNames(fields))
	b.WriteString(`  |> group(columns: ["hostname", "_field"])` + "\n")
	b.WriteString("  |> aggregateWindow(every: " + fluxDuration(q.Bucket) + `, fn: mean, timeSrc: "_start", createEmpty: false)` + "\n")
	b.WriteString(`  |> keep(columns: ["_time", "hostname", "_field", "_value"])` + "\n")
	return b.String()
}

// pointsFlux ends a query of whole readings: fields pivoted into columns,
// one row per reading.
func pointsFlux(b *strings.Builder) {
	b.WriteString(`  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")` + "\n")
}

// highCPUFlux is HighCPU (TSBS high-cpu-*): readings pivoted into rows, then
// filtered on usage_user.
func (s *v2Series) highCPUFlux(q series.HighCPUQuery, hosts []string) string {
	var b strings.Builder
	s.fluxFrom(&b, q.Start, q.End)
	if len(hosts) > 0 {
		fluxOr(&b, "hostname", hosts)
	}
	pointsFlux(&b)
	b.WriteString("  |> filter(fn: (r) => r.usage_user > " + fluxFloat(q.Threshold) + ")\n")
	b.WriteString("  |> keep(columns: " + fluxColumns(append([]string{"_time", "hostname"}, series.FieldNames[:]...)...) + ")\n")
	return b.String()
}

// lastPointFlux is LastPoint (TSBS lastpoint): the last value of each
// series and field, pivoted into one row per host.
func (s *v2Series) lastPointFlux() string {
	var b strings.Builder
	s.fluxFrom(&b, fluxMinTime, fluxMaxTime)
	b.WriteString("  |> last()\n")
	pointsFlux(&b)
	b.WriteString("  |> keep(columns: " + fluxColumns(append([]string{"_time", "hostname"}, series.FieldNames[:]...)...) + ")\n")
	return b.String()
}

// recentMaxByTimeFlux is RecentMaxByTime (TSBS groupby-orderby-limit): the
// maximum usage_user of all hosts per window before the end, the latest
// Limit windows.
func (s *v2Series) recentMaxByTimeFlux(q series.RecentQuery) string {
	var b strings.Builder
	s.fluxFrom(&b, fluxMinTime, q.End)
	b.WriteString(`  |> filter(fn: (r) => r._field == "usage_user")` + "\n")
	b.WriteString("  |> group()\n")
	b.WriteString("  |> aggregateWindow(every: " + fluxDuration(q.Bucket) + `, fn: max, timeSrc: "_start", createEmpty: false)` + "\n")
	b.WriteString(`  |> sort(columns: ["_time"], desc: true)` + "\n")
	b.WriteString("  |> limit(n: " + strconv.Itoa(q.Limit) + ")\n")
	b.WriteString(`  |> keep(columns: ["_time", "_value"])` + "\n")
	return b.String()
}

// deletePredicate is the delete API's predicate for the measurement.
func (s *v2Series) deletePredicate() string {
	return `_measurement="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s.name) + `"`
}

// Setup makes sure the bucket exists (creating it in the org if not) and
// deletes every point of the measurement with the delete API, over the
// range the queries read (1970 to 2200; InfluxDB refuses times outside its
// int64 nanosecond range, and the CLI's own examples start at 1970).
func (s *v2Series) Setup(ctx context.Context) error {
	if err := s.ensureBucket(ctx); err != nil {
		return err
	}
	err := s.c.v2.DeleteAPI().DeleteWithName(ctx, s.c.cfg.Org, s.c.cfg.Bucket, fluxMinTime, fluxMaxTime, s.deletePredicate())
	return s.c.wrap(err, "setup %s: delete the measurement", s.name)
}

func (s *v2Series) ensureBucket(ctx context.Context) error {
	s.bucketMu.Lock()
	defer s.bucketMu.Unlock()
	if s.bucketOK {
		return nil
	}
	if _, err := s.c.v2.BucketsAPI().FindBucketByName(ctx, s.c.cfg.Bucket); err != nil {
		org, oerr := s.c.v2.OrganizationsAPI().FindOrganizationByName(ctx, s.c.cfg.Org)
		if oerr != nil {
			return s.c.wrap(oerr, "find bucket %s (%v), then org %s", s.c.cfg.Bucket, err, s.c.cfg.Org)
		}
		if _, cerr := s.c.v2.BucketsAPI().CreateBucketWithName(ctx, org, s.c.cfg.Bucket); cerr != nil {
			return s.c.wrap(cerr, "create bucket %s in org %s", s.c.cfg.Bucket, s.c.cfg.Org)
		}
	}
	s.bucketOK = true
	return nil
}

// LoadRows writes the batch as line protocol in one request of the
// client's blocking write API (gzip unless the DSN says gzip=false).
func (s *v2Series) LoadRows(ctx context.Context, rows []series.Row) error {
	if len(rows) == 0 {
		return nil
	}
	body, err := appendLines(make([]byte, 0, len(rows)*300), s.name, rows)
	if err != nil {
		return err
	}
	body = body[:len(body)-1] // the client joins records with newlines
	if err := s.writer.WriteRecord(ctx, string(body)); err != nil {
		return s.c.wrap(err, "load %d readings into %s", len(rows), s.name)
	}
	return nil
}

// query runs a Flux query and calls fn for every record.
func (s *v2Series) query(ctx context.Context, flux, what string, fn func(r fluxRecord) error) error {
	res, err := s.c.v2.QueryAPI(s.c.cfg.Org).Query(ctx, flux)
	if err != nil {
		return s.c.wrap(err, "%s on %s", what, s.name)
	}
	defer res.Close()
	for res.Next() {
		if err := fn(res.Record()); err != nil {
			return fmt.Errorf("%s: %s on %s: %w", s.c.where, what, s.name, err)
		}
	}
	return s.c.wrap(res.Err(), "%s on %s", what, s.name)
}

// fluxRecord is what the driver reads of a Flux record.
type fluxRecord interface {
	Time() time.Time
	Field() string
	Value() any
	ValueByKey(string) any
}

func recordFloat(r fluxRecord, key string) (float64, error) {
	var v any
	if key == "" {
		v = r.Value()
	} else {
		v = r.ValueByKey(key)
	}
	f, ok := v.(float64)
	if !ok {
		return 0, fmt.Errorf("value %q is %v (%T), want a float", key, v, v)
	}
	return f, nil
}

// fieldSlot returns the index of a field name among fields.
func fieldSlot(fields []int, name string) int {
	for i, f := range fields {
		if series.FieldNames[f] == name {
			return i
		}
	}
	return -1
}

func (s *v2Series) MaxByTime(ctx context.Context, q series.MaxQuery, dst []series.Bucket) ([]series.Bucket, error) {
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
	byTime := map[int64][]float64{}
	err := s.query(ctx, s.maxByTimeFlux(q, fields, distinctHosts(q.Hosts)), "max by time", func(r fluxRecord) error {
		slot := fieldSlot(fields, r.Field())
		if slot < 0 {
			return fmt.Errorf("unexpected field %q", r.Field())
		}
		v, err := recordFloat(r, "")
		if err != nil {
			return err
		}
		t := series.BucketStart(r.Time(), q.Bucket).UnixNano()
		vals, ok := byTime[t]
		if !ok {
			vals = make([]float64, len(fields))
			for i := range vals {
				vals[i] = math.NaN()
			}
			byTime[t] = vals
		}
		vals[slot] = v
		return nil
	})
	if err != nil {
		return dst, err
	}
	for _, t := range sortedKeys(byTime) {
		dst = series.Grow(dst, len(dst)+1)
		b := &dst[len(dst)-1]
		b.Time = time.Unix(0, t).UTC()
		b.Values = series.Grow(b.Values, len(pos))
		for i, p := range pos {
			b.Values[i] = byTime[t][p]
		}
	}
	return dst, nil
}

func (s *v2Series) MeanByTimeHost(ctx context.Context, q series.MeanQuery, dst []series.HostBucket) ([]series.HostBucket, error) {
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
	type key struct {
		t    int64
		host string
	}
	groups := map[key][]float64{}
	err := s.query(ctx, s.meanByTimeHostFlux(q, fields), "mean by time and host", func(r fluxRecord) error {
		slot := fieldSlot(fields, r.Field())
		if slot < 0 {
			return fmt.Errorf("unexpected field %q", r.Field())
		}
		v, err := recordFloat(r, "")
		if err != nil {
			return err
		}
		host, _ := r.ValueByKey("hostname").(string)
		k := key{series.BucketStart(r.Time(), q.Bucket).UnixNano(), host}
		vals, ok := groups[k]
		if !ok {
			vals = make([]float64, len(fields))
			groups[k] = vals
		}
		vals[slot] = v
		return nil
	})
	if err != nil {
		return dst, err
	}
	for k, vals := range groups {
		dst = series.Grow(dst, len(dst)+1)
		b := &dst[len(dst)-1]
		b.Time, b.Host = time.Unix(0, k.t).UTC(), k.host
		b.Values = series.Grow(b.Values, len(pos))
		for i, p := range pos {
			b.Values[i] = vals[p]
		}
	}
	sortHostBuckets(dst)
	return dst, nil
}

// readPoint reads a pivoted reading: hostname, time and the ten fields.
func readPoint(r fluxRecord) (series.HostPoint, error) {
	p := series.HostPoint{Time: r.Time().UTC()}
	p.Host, _ = r.ValueByKey("hostname").(string)
	for i, name := range series.FieldNames {
		v, err := recordFloat(r, name)
		if err != nil {
			return p, err
		}
		p.Fields[i] = v
	}
	return p, nil
}

func (s *v2Series) HighCPU(ctx context.Context, q series.HighCPUQuery, dst []series.HostPoint) ([]series.HostPoint, error) {
	dst = dst[:0]
	if !q.End.After(q.Start) {
		return dst, nil
	}
	err := s.query(ctx, s.highCPUFlux(q, distinctHosts(q.Hosts)), "high cpu", func(r fluxRecord) error {
		p, err := readPoint(r)
		dst = append(dst, p)
		return err
	})
	if err != nil {
		return dst[:0], err
	}
	sortPoints(dst)
	return dst, nil
}

func (s *v2Series) LastPoint(ctx context.Context, dst []series.HostPoint) ([]series.HostPoint, error) {
	dst = dst[:0]
	err := s.query(ctx, s.lastPointFlux(), "last point", func(r fluxRecord) error {
		p, err := readPoint(r)
		dst = append(dst, p)
		return err
	})
	if err != nil {
		return dst[:0], err
	}
	sortByHost(dst) // one reading per host
	return dst, nil
}

func (s *v2Series) RecentMaxByTime(ctx context.Context, q series.RecentQuery, dst []series.Bucket) ([]series.Bucket, error) {
	dst = dst[:0]
	if err := checkBucket(q.Bucket); err != nil {
		return dst, err
	}
	if q.Limit < 1 {
		return dst, fmt.Errorf("influx: limit %d is not positive", q.Limit)
	}
	err := s.query(ctx, s.recentMaxByTimeFlux(q), "recent max by time", func(r fluxRecord) error {
		v, err := recordFloat(r, "")
		if err != nil {
			return err
		}
		dst = series.Grow(dst, len(dst)+1)
		b := &dst[len(dst)-1]
		b.Time = series.BucketStart(r.Time(), q.Bucket)
		b.Values = append(b.Values[:0], v)
		return nil
	})
	if err != nil {
		return dst[:0], err
	}
	return dst, nil
}

// sortedKeys returns a map's keys in ascending order.
func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
