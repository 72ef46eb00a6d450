package pebble

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	pdb "github.com/cockroachdb/pebble/v2"
	"github.com/storefit/storefit/workloads/series"
)

var _ series.Store = (*seriesStore)(nil)

// seriesStore is one measurement: one key per reading, 's' table 0x00
// hostname 0x00 time, whose value is the ten fields as big-endian IEEE 754
// bits (80 bytes), so a host's readings are one contiguous range in time
// order; and one key per host, 'h' table 0x00 hostname, holding its tags,
// which lists the hosts without reading their readings.
type seriesStore struct {
	c     *Conn
	data  []byte // 's' table 0x00
	hosts []byte // 'h' table 0x00
}

// rowSize is the size of a reading's value.
const rowSize = 8 * series.NumFields

// SeriesStore returns a handle on the measurement s describes.
func (c *Conn) SeriesStore(s series.Schema) (series.Store, error) {
	data, err := tablePrefix(spaceSeries, s.Table)
	if err != nil {
		return nil, err
	}
	hosts, err := tablePrefix(spaceHost, s.Table)
	if err != nil {
		return nil, err
	}
	return &seriesStore{c: c, data: data, hosts: hosts}, nil
}

// Setup drops the measurement's readings and hosts.
func (s *seriesStore) Setup(ctx context.Context) error {
	if err := s.c.clearRange(ctx, s.data, prefixEnd(s.data)); err != nil {
		return err
	}
	return s.c.clearRange(ctx, s.hosts, prefixEnd(s.hosts))
}

// hostPrefix returns the prefix of a host's readings: 's' table 0x00
// hostname 0x00.
func (s *seriesStore) hostPrefix(host string) []byte {
	k := make([]byte, 0, len(s.data)+len(host)+9)
	k = append(append(k, s.data...), host...)
	return append(k, 0)
}

// timeKey returns the key of host prefix hp at time ns.
func timeKey(hp []byte, ns int64) []byte {
	return appendInt64(append(make([]byte, 0, len(hp)+8), hp...), ns)
}

// LoadRows writes the readings, and the tags of each host of the batch, in
// one batch.
func (s *seriesStore) LoadRows(ctx context.Context, rows []series.Row) error {
	b := s.c.db.NewBatch()
	defer b.Close()
	var last *series.Host
	seen := map[string]bool{}
	var val [rowSize]byte
	for _, r := range rows {
		if r.Host == nil || r.Host.Name() == "" {
			return errors.New("pebble: series row without a host")
		}
		name := r.Host.Name()
		if r.Host != last {
			if strings.IndexByte(name, 0) >= 0 {
				return fmt.Errorf("pebble: hostname %q contains a NUL byte", name)
			}
			if !seen[name] {
				seen[name] = true
				if err := b.Set(concat(s.hosts, []byte(name)), encodeTags(&r.Host.Tags), nil); err != nil {
					return fmt.Errorf("pebble: load: %w", err)
				}
			}
			last = r.Host
		}
		for i, f := range r.Fields {
			binary.BigEndian.PutUint64(val[8*i:], math.Float64bits(f))
		}
		if err := b.Set(timeKey(s.hostPrefix(name), r.Time.UnixNano()), val[:], nil); err != nil {
			return fmt.Errorf("pebble: load: %w", err)
		}
	}
	if err := b.Commit(s.c.wo); err != nil {
		return fmt.Errorf("pebble: load commit: %w", err)
	}
	return nil
}

// encodeTags encodes tag values length-prefixed, in TagNames order.
func encodeTags(tags *[series.NumTags]string) []byte {
	var b []byte
	for _, t := range tags {
		b = binary.AppendUvarint(b, uint64(len(t)))
		b = append(b, t...)
	}
	return b
}

// reading is one decoded reading.
type reading struct {
	t      int64
	fields [series.NumFields]float64
}

// decode decodes the reading under the iterator, whose key starts with a
// host prefix of length hpLen.
func decodeReading(it *pdb.Iterator, hpLen int, r *reading) error {
	k := it.Key()
	v, err := it.ValueAndErr()
	if err != nil {
		return fmt.Errorf("pebble: read: %w", err)
	}
	if len(k) != hpLen+8 || len(v) != rowSize {
		return fmt.Errorf("pebble: corrupt reading %x", k)
	}
	r.t = decodeInt64(k[hpLen:])
	for i := range r.fields {
		r.fields[i] = math.Float64frombits(binary.BigEndian.Uint64(v[8*i:]))
	}
	return nil
}

// query is one query's iterator, reused for every host range.
type query struct {
	s  *seriesStore
	it *pdb.Iterator
}

func (s *seriesStore) newQuery() (*query, error) {
	it, err := s.c.db.NewIter(&pdb.IterOptions{LowerBound: s.data, UpperBound: prefixEnd(s.data)})
	if err != nil {
		return nil, fmt.Errorf("pebble: iterator: %w", err)
	}
	return &query{s: s, it: it}, nil
}

func (q *query) close() error {
	if err := q.it.Close(); err != nil {
		return fmt.Errorf("pebble: iterate: %w", err)
	}
	return nil
}

// allHosts returns every hostname of the measurement, in byte order: a
// scan of the host keys.
func (s *seriesStore) allHosts() ([]string, error) {
	it, err := s.c.db.NewIter(&pdb.IterOptions{LowerBound: s.hosts, UpperBound: prefixEnd(s.hosts)})
	if err != nil {
		return nil, fmt.Errorf("pebble: iterator: %w", err)
	}
	var hosts []string
	for ok := it.First(); ok; ok = it.Next() {
		hosts = append(hosts, string(it.Key()[len(s.hosts):]))
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("pebble: list hosts: %w", err)
	}
	return hosts, nil
}

// selectHosts returns the distinct names of names that can be hostnames,
// or every host when names is empty and all is true.
func (s *seriesStore) selectHosts(names []string, all bool) ([]string, error) {
	if len(names) == 0 && all {
		return s.allHosts()
	}
	var hs []string
	for _, n := range names {
		if n != "" && strings.IndexByte(n, 0) < 0 && !slices.Contains(hs, n) {
			hs = append(hs, n)
		}
	}
	return hs, nil
}

// scan calls fn for every reading of host in [start, end) in time order
// (ascending, or descending when reverse), until fn returns false.
func (q *query) scan(host string, start, end int64, reverse bool, fn func(*reading) bool) error {
	if start >= end {
		return nil
	}
	hp := q.s.hostPrefix(host)
	q.it.SetBounds(timeKey(hp, start), timeKey(hp, end))
	var r reading
	var ok bool
	if reverse {
		ok = q.it.Last()
	} else {
		ok = q.it.First()
	}
	for ok {
		if err := decodeReading(q.it, len(hp), &r); err != nil {
			return err
		}
		if !fn(&r) {
			break
		}
		if reverse {
			ok = q.it.Prev()
		} else {
			ok = q.it.Next()
		}
	}
	if err := q.it.Error(); err != nil {
		return fmt.Errorf("pebble: iterate: %w", err)
	}
	return nil
}

// bucketOf returns the start of the epoch-aligned bucket of width w
// holding time ns.
func bucketOf(ns int64, w time.Duration) int64 {
	r := ns % int64(w)
	if r < 0 {
		r += int64(w)
	}
	return ns - r
}

func checkFields(fields []int) error {
	if len(fields) == 0 {
		return errors.New("pebble: no fields asked for")
	}
	for _, f := range fields {
		if f < 0 || f >= series.NumFields {
			return fmt.Errorf("pebble: no field %d", f)
		}
	}
	return nil
}

func checkBucket(w time.Duration) error {
	if w <= 0 {
		return fmt.Errorf("pebble: bucket width %v is not positive", w)
	}
	return nil
}

// MaxByTime scans the window of each named host.
func (s *seriesStore) MaxByTime(ctx context.Context, q series.MaxQuery, dst []series.Bucket) ([]series.Bucket, error) {
	if err := checkFields(q.Fields); err != nil {
		return dst[:0], err
	}
	if err := checkBucket(q.Bucket); err != nil {
		return dst[:0], err
	}
	hosts, err := s.selectHosts(q.Hosts, false)
	if err != nil {
		return dst[:0], err
	}
	qu, err := s.newQuery()
	if err != nil {
		return dst[:0], err
	}
	maxes := map[int64][]float64{}
	for _, h := range hosts {
		err := qu.scan(h, q.Start.UnixNano(), q.End.UnixNano(), false, func(r *reading) bool {
			b := bucketOf(r.t, q.Bucket)
			m, ok := maxes[b]
			if !ok {
				m = make([]float64, len(q.Fields))
				for i, f := range q.Fields {
					m[i] = r.fields[f]
				}
				maxes[b] = m
				return true
			}
			for i, f := range q.Fields {
				m[i] = max(m[i], r.fields[f])
			}
			return true
		})
		if err != nil {
			qu.close()
			return dst[:0], err
		}
	}
	if err := qu.close(); err != nil {
		return dst[:0], err
	}
	times := make([]int64, 0, len(maxes))
	for b := range maxes {
		times = append(times, b)
	}
	slices.Sort(times)
	dst = series.Grow(dst, len(times))
	for i, b := range times {
		dst[i].Time = time.Unix(0, b).UTC()
		dst[i].Values = append(dst[i].Values[:0], maxes[b]...)
	}
	return dst, nil
}

// MeanByTimeHost scans the window of every host, in hostname order; each
// host's groups come out in time order and are then merged by time.
func (s *seriesStore) MeanByTimeHost(ctx context.Context, q series.MeanQuery, dst []series.HostBucket) ([]series.HostBucket, error) {
	if err := checkFields(q.Fields); err != nil {
		return dst[:0], err
	}
	if err := checkBucket(q.Bucket); err != nil {
		return dst[:0], err
	}
	hosts, err := s.allHosts()
	if err != nil {
		return dst[:0], err
	}
	qu, err := s.newQuery()
	if err != nil {
		return dst[:0], err
	}
	dst = dst[:0]
	var count int
	flush := func() {
		g := &dst[len(dst)-1]
		for j := range g.Values {
			g.Values[j] /= float64(count)
		}
	}
	for _, h := range hosts {
		first := true
		err := qu.scan(h, q.Start.UnixNano(), q.End.UnixNano(), false, func(r *reading) bool {
			b := bucketOf(r.t, q.Bucket)
			if first || dst[len(dst)-1].Time.UnixNano() != b {
				if !first {
					flush()
				}
				first = false
				dst = series.Grow(dst, len(dst)+1)
				g := &dst[len(dst)-1]
				g.Time, g.Host = time.Unix(0, b).UTC(), h
				g.Values = series.Grow(g.Values, len(q.Fields))
				clear(g.Values)
				count = 0
			}
			g := &dst[len(dst)-1]
			for j, f := range q.Fields {
				g.Values[j] += r.fields[f]
			}
			count++
			return true
		})
		if err != nil {
			qu.close()
			return dst[:0], err
		}
		if !first {
			flush()
		}
	}
	if err := qu.close(); err != nil {
		return dst[:0], err
	}
	slices.SortStableFunc(dst, func(a, b series.HostBucket) int { return a.Time.Compare(b.Time) })
	return dst, nil
}

// sortPoints orders readings by time, then hostname.
func sortPoints(ps []series.HostPoint) {
	slices.SortFunc(ps, func(a, b series.HostPoint) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.Host, b.Host))
	})
}

// HighCPU scans the window of each selected host.
func (s *seriesStore) HighCPU(ctx context.Context, q series.HighCPUQuery, dst []series.HostPoint) ([]series.HostPoint, error) {
	hosts, err := s.selectHosts(q.Hosts, true)
	if err != nil {
		return dst[:0], err
	}
	qu, err := s.newQuery()
	if err != nil {
		return dst[:0], err
	}
	dst = dst[:0]
	for _, h := range hosts {
		err := qu.scan(h, q.Start.UnixNano(), q.End.UnixNano(), false, func(r *reading) bool {
			if r.fields[series.UsageUser] > q.Threshold {
				dst = append(dst, series.HostPoint{Host: h, Time: time.Unix(0, r.t).UTC(), Fields: r.fields})
			}
			return true
		})
		if err != nil {
			qu.close()
			return dst[:0], err
		}
	}
	if err := qu.close(); err != nil {
		return dst[:0], err
	}
	sortPoints(dst)
	return dst, nil
}

// LastPoint seeks to the end of each host's range.
func (s *seriesStore) LastPoint(ctx context.Context, dst []series.HostPoint) ([]series.HostPoint, error) {
	hosts, err := s.allHosts()
	if err != nil {
		return dst[:0], err
	}
	qu, err := s.newQuery()
	if err != nil {
		return dst[:0], err
	}
	dst = dst[:0]
	for _, h := range hosts {
		err := qu.scan(h, math.MinInt64, math.MaxInt64, true, func(r *reading) bool {
			dst = append(dst, series.HostPoint{Host: h, Time: time.Unix(0, r.t).UTC(), Fields: r.fields})
			return false
		})
		if err != nil {
			qu.close()
			return dst[:0], err
		}
	}
	if err := qu.close(); err != nil {
		return dst[:0], err
	}
	return dst, nil
}

// RecentMaxByTime scans each host backwards from q.End through its own
// q.Limit latest buckets: a bucket among the q.Limit latest overall is
// among the q.Limit latest of every host that has readings in it, so the
// readings read are all the answer needs.
func (s *seriesStore) RecentMaxByTime(ctx context.Context, q series.RecentQuery, dst []series.Bucket) ([]series.Bucket, error) {
	if err := checkBucket(q.Bucket); err != nil {
		return dst[:0], err
	}
	if q.Limit < 1 {
		return dst[:0], fmt.Errorf("pebble: limit %d is not positive", q.Limit)
	}
	hosts, err := s.allHosts()
	if err != nil {
		return dst[:0], err
	}
	qu, err := s.newQuery()
	if err != nil {
		return dst[:0], err
	}
	maxes := map[int64]float64{}
	for _, h := range hosts {
		n, cur := 0, int64(0)
		err := qu.scan(h, math.MinInt64, q.End.UnixNano(), true, func(r *reading) bool {
			b := bucketOf(r.t, q.Bucket)
			if n == 0 || b != cur {
				if n == q.Limit {
					return false
				}
				n, cur = n+1, b
			}
			v := r.fields[series.UsageUser]
			if m, ok := maxes[b]; !ok || v > m {
				maxes[b] = v
			}
			return true
		})
		if err != nil {
			qu.close()
			return dst[:0], err
		}
	}
	if err := qu.close(); err != nil {
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
		dst[i].Time = time.Unix(0, b).UTC()
		dst[i].Values = append(dst[i].Values[:0], maxes[b])
	}
	return dst, nil
}
