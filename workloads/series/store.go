package series

import (
	"context"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/gen"
)

// NumFields is the number of fields of a reading.
const NumFields = gen.CPUFields

// NumTags is the number of tags of a host.
const NumTags = gen.CPUTags

// FieldNames are the fields of a reading, in order: usage_user,
// usage_system, usage_idle, usage_nice, usage_iowait, usage_irq,
// usage_softirq, usage_steal, usage_guest, usage_guest_nice.
var FieldNames = gen.CPUFieldNames

// TagNames are the tags of a host, in order: hostname, region, datacenter,
// rack, os, arch, team, service, service_version, service_environment.
var TagNames = gen.CPUTagNames

// UsageUser is the index of usage_user in FieldNames, the field high-cpu and
// groupby-orderby-limit look at.
const UsageUser = 0

// Schema describes the table a series workload uses.
type Schema struct {
	// Table is the measurement (table) name, "cpu" by default.
	Table string
}

// Host is one monitored host: an id and its tags. Rows share their host's
// Host value; stores must not change it.
type Host struct {
	// ID is the host number, 0 … hosts-1.
	ID int
	// Tags holds the tag values in TagNames order; Tags[0] is the hostname,
	// which identifies the host in queries and answers.
	Tags [NumTags]string
}

// Name returns the hostname.
func (h *Host) Name() string { return h.Tags[0] }

// Row is one reading of one host.
type Row struct {
	// Host is the host and its tags.
	Host *Host
	// Time is the reading's time (UTC).
	Time time.Time
	// Fields holds the values in FieldNames order.
	Fields [NumFields]float64
}

// Bucket is one time bucket of an aggregate over time.
type Bucket struct {
	// Time is the start of the bucket.
	Time time.Time `json:"time"`
	// Values holds one aggregate per requested field, in the order the
	// fields were asked for.
	Values []float64 `json:"values"`
}

// HostBucket is one (time bucket, host) group of an aggregate.
type HostBucket struct {
	// Time is the start of the bucket.
	Time time.Time `json:"time"`
	// Host is the hostname.
	Host string `json:"host"`
	// Values holds one aggregate per requested field, in the order the
	// fields were asked for.
	Values []float64 `json:"values"`
}

// HostPoint is one whole reading of a host.
type HostPoint struct {
	// Host is the hostname.
	Host string `json:"host"`
	// Time is the reading's time.
	Time time.Time `json:"time"`
	// Fields holds the values in FieldNames order.
	Fields [NumFields]float64 `json:"fields"`
}

// MaxQuery asks for the maximum of some fields of some hosts per time bucket
// in a time window (TSBS single-groupby-*).
type MaxQuery struct {
	// Hosts are the hostnames whose readings count; unknown names match
	// nothing. It is never empty.
	Hosts []string
	// Fields are the field indexes (into FieldNames) to aggregate, in the
	// order of the answer's values. It is never empty.
	Fields []int
	// Start and End bound the window: Start <= time < End.
	Start, End time.Time
	// Bucket is the width of the time buckets (positive).
	Bucket time.Duration
}

// MeanQuery asks for the mean of some fields per time bucket and host over
// all hosts in a time window (TSBS double-groupby-*).
type MeanQuery struct {
	// Fields are the field indexes to aggregate, in the order of the
	// answer's values. It is never empty.
	Fields []int
	// Start and End bound the window: Start <= time < End.
	Start, End time.Time
	// Bucket is the width of the time buckets (positive).
	Bucket time.Duration
}

// HighCPUQuery asks for the readings whose usage_user exceeds a threshold
// (TSBS high-cpu-*).
type HighCPUQuery struct {
	// Hosts are the hostnames whose readings count; empty means all hosts
	// (TSBS high-cpu-all).
	Hosts []string
	// Threshold is the bound usage_user must exceed (strictly); TSBS uses
	// 90.
	Threshold float64
	// Start and End bound the window: Start <= time < End.
	Start, End time.Time
}

// RecentQuery asks for the maximum usage_user over all hosts per time
// bucket, for the Limit latest buckets before End (TSBS
// groupby-orderby-limit).
type RecentQuery struct {
	// End bounds the readings that count: time < End. There is no lower
	// bound.
	End time.Time
	// Bucket is the width of the time buckets (positive); TSBS uses one
	// minute.
	Bucket time.Duration
	// Limit is the number of buckets to return (at least 1); TSBS uses 5.
	Limit int
}

// Provider is implemented by connections that support the series pattern.
type Provider interface {
	// SeriesStore returns a handle on the table s describes. It does not
	// touch the store; Store.Setup creates the table.
	SeriesStore(s Schema) (Store, error)
}

// Store is the series (time-series metrics) pattern, TSBS's cpu-only use
// case: an append-mostly table of readings and the six TSBS queries.
// Methods are safe for concurrent use. Slices passed in (rows, hosts,
// fields) are only valid during the call: a store that keeps them must copy
// them.
//
// Time buckets are aligned to the Unix epoch: the bucket of time t with
// width w starts at t − ((t − 1970-01-01T00:00:00Z) mod w), as TimescaleDB's
// time_bucket and InfluxQL's GROUP BY time(w) place them for the widths
// used here. A bucket that no reading falls in is absent from answers (no
// fill). Hostnames order by byte-wise comparison ("host_10" < "host_2").
//
// Query methods take a dst slice they may reuse (elements and their Values
// slices) and return the answer in dst[:n]; a store may also ignore dst. A
// query that matches nothing returns an empty answer, not an error.
type Store interface {
	// Setup creates the table empty, dropping any previous one.
	Setup(ctx context.Context) error
	// LoadRows appends a batch of readings (bulk load). The data set never
	// holds two readings of one host at one time.
	LoadRows(ctx context.Context, rows []Row) error

	// MaxByTime returns, for every bucket holding readings of q.Hosts in
	// [q.Start, q.End), the maximum of each of q.Fields over those
	// readings, ordered by bucket time ascending. (TSBS
	// single-groupby-M-H-T: M fields, H hosts, T hours.)
	MaxByTime(ctx context.Context, q MaxQuery, dst []Bucket) ([]Bucket, error)
	// MeanByTimeHost returns, for every (bucket, host) group of readings in
	// [q.Start, q.End), the mean (sum / count) of each of q.Fields over the
	// group, ordered by bucket time, then hostname. (TSBS double-groupby-M.)
	MeanByTimeHost(ctx context.Context, q MeanQuery, dst []HostBucket) ([]HostBucket, error)
	// HighCPU returns every reading of q.Hosts (all hosts when empty) in
	// [q.Start, q.End) whose usage_user is greater than q.Threshold, ordered
	// by time, then hostname. (TSBS high-cpu-H and high-cpu-all.)
	HighCPU(ctx context.Context, q HighCPUQuery, dst []HostPoint) ([]HostPoint, error)
	// LastPoint returns the latest reading of every host, ordered by
	// hostname. (TSBS lastpoint.)
	LastPoint(ctx context.Context, dst []HostPoint) ([]HostPoint, error)
	// RecentMaxByTime returns the maximum usage_user over all hosts per
	// bucket of the readings with time < q.End, for the q.Limit latest
	// buckets, ordered by bucket time descending. (TSBS
	// groupby-orderby-limit.)
	RecentMaxByTime(ctx context.Context, q RecentQuery, dst []Bucket) ([]Bucket, error)
}

// Supports reports whether c supports the series pattern.
func Supports(c drivers.Conn) bool {
	_, ok := c.(Provider)
	return ok
}

// BucketStart returns the start of the epoch-aligned bucket of width w that
// t falls in (see Store). It panics if w <= 0.
func BucketStart(t time.Time, w time.Duration) time.Time {
	return time.Unix(0, bucketStart(t.UnixNano(), int64(w))).UTC()
}

// bucketStart is BucketStart on Unix nanoseconds.
func bucketStart(t, w int64) int64 {
	if w <= 0 {
		panic("series: bucket width must be positive")
	}
	m := t % w
	if m < 0 {
		m += w
	}
	return t - m
}

// Grow returns dst resized to n elements, keeping the capacity of its
// existing elements for reuse. Stores use it to fill answers in place.
func Grow[T any](dst []T, n int) []T {
	if cap(dst) >= n {
		return dst[:n]
	}
	return append(dst[:cap(dst)], make([]T, n-cap(dst))...)
}
