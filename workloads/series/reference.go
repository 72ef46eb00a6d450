package series

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"
)

// This file computes reference answers from readings streamed one at a
// time: one accumulator per query, fed every reading of the data set in a
// single pass, so the data set is never held in memory. The code is plain
// and independent of any store (the memory driver is a second,
// independent implementation the answers are checked against).

// reading is one reading as accumulators see it.
type reading struct {
	host   string
	time   int64 // Unix nanoseconds
	fields *[NumFields]float64
}

// accumulator computes one query's answer from readings.
type accumulator interface {
	add(r reading)
}

func nanos(t time.Time) int64 { return t.UnixNano() }

func utc(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// maxAcc answers a MaxQuery.
type maxAcc struct {
	q     MaxQuery
	hosts map[string]bool
	start int64
	end   int64
	width int64
	maxes map[int64][]float64 // bucket start → max per field
}

func newMaxAcc(q MaxQuery) *maxAcc {
	a := &maxAcc{q: q, hosts: map[string]bool{}, start: nanos(q.Start), end: nanos(q.End), width: int64(q.Bucket), maxes: map[int64][]float64{}}
	for _, h := range q.Hosts {
		a.hosts[h] = true
	}
	return a
}

func (a *maxAcc) add(r reading) {
	if !a.hosts[r.host] || r.time < a.start || r.time >= a.end {
		return
	}
	b := bucketStart(r.time, a.width)
	m, ok := a.maxes[b]
	if !ok {
		m = make([]float64, len(a.q.Fields))
		for i, f := range a.q.Fields {
			m[i] = r.fields[f]
		}
		a.maxes[b] = m
		return
	}
	for i, f := range a.q.Fields {
		m[i] = max(m[i], r.fields[f])
	}
}

func (a *maxAcc) answer() []Bucket {
	out := []Bucket{}
	for _, b := range slices.Sorted(maps.Keys(a.maxes)) {
		out = append(out, Bucket{Time: utc(b), Values: a.maxes[b]})
	}
	return out
}

// meanAcc answers a MeanQuery.
type meanAcc struct {
	q          MeanQuery
	start, end int64
	width      int64
	groups     map[hostBucketKey]*sumCount
}

type hostBucketKey struct {
	bucket int64
	host   string
}

type sumCount struct {
	sums  []float64
	count int64
}

func newMeanAcc(q MeanQuery) *meanAcc {
	return &meanAcc{q: q, start: nanos(q.Start), end: nanos(q.End), width: int64(q.Bucket), groups: map[hostBucketKey]*sumCount{}}
}

func (a *meanAcc) add(r reading) {
	if r.time < a.start || r.time >= a.end {
		return
	}
	k := hostBucketKey{bucketStart(r.time, a.width), r.host}
	g, ok := a.groups[k]
	if !ok {
		g = &sumCount{sums: make([]float64, len(a.q.Fields))}
		a.groups[k] = g
	}
	for i, f := range a.q.Fields {
		g.sums[i] += r.fields[f]
	}
	g.count++
}

func (a *meanAcc) answer() []HostBucket {
	keys := slices.SortedFunc(maps.Keys(a.groups), func(x, y hostBucketKey) int {
		return cmp.Or(cmp.Compare(x.bucket, y.bucket), strings.Compare(x.host, y.host))
	})
	out := []HostBucket{}
	for _, k := range keys {
		g := a.groups[k]
		vals := make([]float64, len(g.sums))
		for i, s := range g.sums {
			vals[i] = s / float64(g.count)
		}
		out = append(out, HostBucket{Time: utc(k.bucket), Host: k.host, Values: vals})
	}
	return out
}

// highAcc answers a HighCPUQuery.
type highAcc struct {
	q          HighCPUQuery
	hosts      map[string]bool // nil: all hosts
	start, end int64
	points     []HostPoint
}

func newHighAcc(q HighCPUQuery) *highAcc {
	a := &highAcc{q: q, start: nanos(q.Start), end: nanos(q.End), points: []HostPoint{}}
	if len(q.Hosts) > 0 {
		a.hosts = map[string]bool{}
		for _, h := range q.Hosts {
			a.hosts[h] = true
		}
	}
	return a
}

func (a *highAcc) add(r reading) {
	if (a.hosts != nil && !a.hosts[r.host]) || r.time < a.start || r.time >= a.end || !(r.fields[UsageUser] > a.q.Threshold) {
		return
	}
	a.points = append(a.points, HostPoint{Host: r.host, Time: utc(r.time), Fields: *r.fields})
}

func (a *highAcc) answer() []HostPoint {
	slices.SortFunc(a.points, comparePoints)
	return a.points
}

// comparePoints orders readings by time, then hostname.
func comparePoints(x, y HostPoint) int {
	return cmp.Or(x.Time.Compare(y.Time), strings.Compare(x.Host, y.Host))
}

// lastAcc answers lastpoint.
type lastAcc struct {
	last map[string]HostPoint
}

func newLastAcc() *lastAcc { return &lastAcc{last: map[string]HostPoint{}} }

func (a *lastAcc) add(r reading) {
	if p, ok := a.last[r.host]; ok && nanos(p.Time) >= r.time {
		return
	}
	a.last[r.host] = HostPoint{Host: r.host, Time: utc(r.time), Fields: *r.fields}
}

func (a *lastAcc) answer() []HostPoint {
	out := []HostPoint{}
	for _, h := range slices.Sorted(maps.Keys(a.last)) {
		out = append(out, a.last[h])
	}
	return out
}

// recentAcc answers a RecentQuery.
type recentAcc struct {
	q     RecentQuery
	end   int64
	width int64
	maxes map[int64]float64
}

func newRecentAcc(q RecentQuery) *recentAcc {
	return &recentAcc{q: q, end: nanos(q.End), width: int64(q.Bucket), maxes: map[int64]float64{}}
}

func (a *recentAcc) add(r reading) {
	if r.time >= a.end {
		return
	}
	b := bucketStart(r.time, a.width)
	v := r.fields[UsageUser]
	if m, ok := a.maxes[b]; !ok || v > m {
		a.maxes[b] = v
	}
}

func (a *recentAcc) answer() []Bucket {
	keys := slices.Sorted(maps.Keys(a.maxes))
	slices.Reverse(keys)
	out := []Bucket{}
	for _, b := range keys[:min(len(keys), a.q.Limit)] {
		out = append(out, Bucket{Time: utc(b), Values: []float64{a.maxes[b]}})
	}
	return out
}
