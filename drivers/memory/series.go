package memory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/storefit/storefit/workloads/series"
)

var (
	_ series.Provider = (*Conn)(nil)
	_ series.Store    = (*seriesTable)(nil)
)

// seriesState holds the series tables of a Conn.
type seriesState struct {
	mu     sync.Mutex
	tables map[string]*seriesTable
}

// seriesTable is one measurement: every host's readings, in load order.
// Every query is a brute-force scan over them.
type seriesTable struct {
	mu    sync.RWMutex
	hosts map[string]*seriesHost // by hostname
}

type seriesHost struct {
	name string
	tags [series.NumTags]string
	rows []seriesRow
}

type seriesRow struct {
	t      int64 // Unix nanoseconds
	fields [series.NumFields]float64
}

// SeriesStore returns the table s names, creating it empty if new.
func (c *Conn) SeriesStore(s series.Schema) (series.Store, error) {
	if s.Table == "" {
		return nil, errors.New("memory: series table needs a name")
	}
	st, err := patternState(c, "series", func() *seriesState {
		return &seriesState{tables: map[string]*seriesTable{}}
	})
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	t, ok := st.tables[s.Table]
	if !ok {
		t = &seriesTable{hosts: map[string]*seriesHost{}}
		st.tables[s.Table] = t
	}
	return t, nil
}

func (t *seriesTable) Setup(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.hosts = map[string]*seriesHost{}
	return nil
}

func (t *seriesTable) LoadRows(ctx context.Context, rows []series.Row) error {
	for _, r := range rows {
		if r.Host == nil || r.Host.Name() == "" {
			return errors.New("memory: series row without a host")
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range rows {
		h, ok := t.hosts[r.Host.Name()]
		if !ok {
			h = &seriesHost{name: r.Host.Name(), tags: r.Host.Tags}
			t.hosts[h.name] = h
		}
		h.rows = append(h.rows, seriesRow{t: r.Time.UnixNano(), fields: r.Fields})
	}
	return nil
}

// bucketOf returns the start of the epoch-aligned bucket of width w holding
// time ns.
func bucketOf(ns int64, w time.Duration) int64 {
	r := ns % int64(w)
	if r < 0 {
		r += int64(w)
	}
	return ns - r
}

func checkFields(fields []int) error {
	if len(fields) == 0 {
		return errors.New("memory: no fields asked for")
	}
	for _, f := range fields {
		if f < 0 || f >= series.NumFields {
			return fmt.Errorf("memory: no field %d", f)
		}
	}
	return nil
}

func checkBucket(w time.Duration) error {
	if w <= 0 {
		return fmt.Errorf("memory: bucket width %v is not positive", w)
	}
	return nil
}

// selectHosts returns the named hosts that exist (all hosts when names is
// empty and all is true), each once.
func (t *seriesTable) selectHosts(names []string, all bool) []*seriesHost {
	var hs []*seriesHost
	if len(names) == 0 && all {
		for _, h := range t.hosts {
			hs = append(hs, h)
		}
		return hs
	}
	seen := map[string]bool{}
	for _, n := range names {
		if h, ok := t.hosts[n]; ok && !seen[n] {
			seen[n] = true
			hs = append(hs, h)
		}
	}
	return hs
}

func (t *seriesTable) MaxByTime(ctx context.Context, q series.MaxQuery, dst []series.Bucket) ([]series.Bucket, error) {
	if err := checkFields(q.Fields); err != nil {
		return dst[:0], err
	}
	if err := checkBucket(q.Bucket); err != nil {
		return dst[:0], err
	}
	start, end := q.Start.UnixNano(), q.End.UnixNano()
	t.mu.RLock()
	maxes := map[int64][]float64{}
	for _, h := range t.selectHosts(q.Hosts, false) {
		for _, r := range h.rows {
			if r.t < start || r.t >= end {
				continue
			}
			b := bucketOf(r.t, q.Bucket)
			m, ok := maxes[b]
			if !ok {
				m = make([]float64, len(q.Fields))
				for i, f := range q.Fields {
					m[i] = r.fields[f]
				}
				maxes[b] = m
				continue
			}
			for i, f := range q.Fields {
				if r.fields[f] > m[i] {
					m[i] = r.fields[f]
				}
			}
		}
	}
	t.mu.RUnlock()
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

func (t *seriesTable) MeanByTimeHost(ctx context.Context, q series.MeanQuery, dst []series.HostBucket) ([]series.HostBucket, error) {
	if err := checkFields(q.Fields); err != nil {
		return dst[:0], err
	}
	if err := checkBucket(q.Bucket); err != nil {
		return dst[:0], err
	}
	type key struct {
		bucket int64
		host   string
	}
	type group struct {
		sums  []float64
		count int
	}
	start, end := q.Start.UnixNano(), q.End.UnixNano()
	groups := map[key]*group{}
	t.mu.RLock()
	for _, h := range t.hosts {
		for _, r := range h.rows {
			if r.t < start || r.t >= end {
				continue
			}
			k := key{bucketOf(r.t, q.Bucket), h.name}
			g, ok := groups[k]
			if !ok {
				g = &group{sums: make([]float64, len(q.Fields))}
				groups[k] = g
			}
			for i, f := range q.Fields {
				g.sums[i] += r.fields[f]
			}
			g.count++
		}
	}
	t.mu.RUnlock()
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
		d.Time = time.Unix(0, k.bucket).UTC()
		d.Host = k.host
		d.Values = series.Grow(d.Values, len(g.sums))
		for j, s := range g.sums {
			d.Values[j] = s / float64(g.count)
		}
	}
	return dst, nil
}

// sortPoints orders readings by time, then hostname.
func sortPoints(ps []series.HostPoint) {
	slices.SortFunc(ps, func(a, b series.HostPoint) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.Host, b.Host))
	})
}

func (t *seriesTable) HighCPU(ctx context.Context, q series.HighCPUQuery, dst []series.HostPoint) ([]series.HostPoint, error) {
	start, end := q.Start.UnixNano(), q.End.UnixNano()
	dst = dst[:0]
	t.mu.RLock()
	for _, h := range t.selectHosts(q.Hosts, true) {
		for _, r := range h.rows {
			if r.t >= start && r.t < end && r.fields[series.UsageUser] > q.Threshold {
				dst = append(dst, series.HostPoint{Host: h.name, Time: time.Unix(0, r.t).UTC(), Fields: r.fields})
			}
		}
	}
	t.mu.RUnlock()
	sortPoints(dst)
	return dst, nil
}

func (t *seriesTable) LastPoint(ctx context.Context, dst []series.HostPoint) ([]series.HostPoint, error) {
	dst = dst[:0]
	t.mu.RLock()
	for _, h := range t.hosts {
		if len(h.rows) == 0 {
			continue
		}
		last := h.rows[0]
		for _, r := range h.rows[1:] {
			if r.t > last.t {
				last = r
			}
		}
		dst = append(dst, series.HostPoint{Host: h.name, Time: time.Unix(0, last.t).UTC(), Fields: last.fields})
	}
	t.mu.RUnlock()
	slices.SortFunc(dst, func(a, b series.HostPoint) int { return strings.Compare(a.Host, b.Host) })
	return dst, nil
}

func (t *seriesTable) RecentMaxByTime(ctx context.Context, q series.RecentQuery, dst []series.Bucket) ([]series.Bucket, error) {
	if err := checkBucket(q.Bucket); err != nil {
		return dst[:0], err
	}
	if q.Limit < 1 {
		return dst[:0], fmt.Errorf("memory: limit %d is not positive", q.Limit)
	}
	end := q.End.UnixNano()
	maxes := map[int64]float64{}
	t.mu.RLock()
	for _, h := range t.hosts {
		for _, r := range h.rows {
			if r.t >= end {
				continue
			}
			b := bucketOf(r.t, q.Bucket)
			v := r.fields[series.UsageUser]
			if m, ok := maxes[b]; !ok || v > m {
				maxes[b] = v
			}
		}
	}
	t.mu.RUnlock()
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
