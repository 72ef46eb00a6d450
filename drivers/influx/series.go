package influx

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/storefit/storefit/workloads/series"
)

var _ series.Provider = (*Conn)(nil)

// SeriesStore returns a handle on the measurement s names, spoken to
// through the connection's API.
func (c *Conn) SeriesStore(s series.Schema) (series.Store, error) {
	if s.Table == "" {
		return nil, errors.New("influx: series table needs a name")
	}
	if strings.ContainsAny(s.Table, "\n\r") {
		return nil, fmt.Errorf("influx: series table name %q contains a line break", s.Table)
	}
	switch c.api {
	case APIV1:
		return newV1Series(c, s.Table), nil
	case APIV2:
		return newV2Series(c, s.Table), nil
	}
	return nil, errNoBackend
}

// lineEscaper escapes measurement names (comma, space) and tag keys and
// values (comma, equals sign, space) in line protocol.
var (
	measurementEscaper = strings.NewReplacer(",", `\,`, " ", `\ `)
	tagEscaper         = strings.NewReplacer(",", `\,`, "=", `\=`, " ", `\ `)
)

// appendLines appends rows as line protocol to b, one line each:
//
//	cpu,hostname=host_0,region=…,service_environment=… usage_user=58.1,… 1451606400000000000
//
// Tags are the host's, in TagNames order (sorted keys are what InfluxDB
// stores; it sorts them itself); an empty tag value is left out, as line
// protocol cannot carry it. Fields are floats written in the shortest form
// that parses back to the same float64 ('f', -1: never an exponent, and no
// "i" suffix, so a whole number is still a float); times are Unix
// nanoseconds.
func appendLines(b []byte, measurement string, rows []series.Row) ([]byte, error) {
	m := measurementEscaper.Replace(measurement)
	for i := range rows {
		r := &rows[i]
		if r.Host == nil || r.Host.Name() == "" {
			return b, errors.New("influx: series row without a host")
		}
		b = append(b, m...)
		for j, v := range r.Host.Tags {
			if v == "" {
				continue
			}
			if strings.ContainsAny(v, "\n\r") {
				return b, fmt.Errorf("influx: tag %s=%q contains a line break", series.TagNames[j], v)
			}
			b = append(b, ',')
			b = append(b, series.TagNames[j]...)
			b = append(b, '=')
			b = append(b, tagEscaper.Replace(v)...)
		}
		for j, f := range r.Fields {
			if j == 0 {
				b = append(b, ' ')
			} else {
				b = append(b, ',')
			}
			b = append(b, series.FieldNames[j]...)
			b = append(b, '=')
			b = strconv.AppendFloat(b, f, 'f', -1, 64)
		}
		b = append(b, ' ')
		b = strconv.AppendInt(b, r.Time.UnixNano(), 10)
		b = append(b, '\n')
	}
	return b, nil
}

// durationText writes a positive duration in the largest unit that divides
// it exactly (5m, 150s, 7s, 250ms, 3ns), a form both InfluxQL and Flux
// read. units are the unit names for h, m, s, ms, µs and ns.
func durationText(d time.Duration, units [6]string) string {
	for i, u := range []time.Duration{time.Hour, time.Minute, time.Second, time.Millisecond, time.Microsecond, time.Nanosecond} {
		if d%u == 0 {
			return strconv.FormatInt(int64(d/u), 10) + units[i]
		}
	}
	return strconv.FormatInt(int64(d), 10) + units[5]
}

func checkFields(fields []int) error {
	if len(fields) == 0 {
		return errors.New("influx: no fields asked for")
	}
	for _, f := range fields {
		if f < 0 || f >= series.NumFields {
			return fmt.Errorf("influx: no field %d", f)
		}
	}
	return nil
}

func checkBucket(w time.Duration) error {
	if w <= 0 {
		return fmt.Errorf("influx: bucket width %v is not positive", w)
	}
	return nil
}

// distinctFields returns the distinct field indexes of fields in first-seen
// order and, for each position of fields, the index of its field in that
// list: queries ask each field once, answers repeat them as asked.
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

// distinctHosts returns the hostnames without repeats, in first-seen order.
func distinctHosts(hosts []string) []string {
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// sortHostBuckets orders (bucket, host) groups by time, then hostname.
func sortHostBuckets(bs []series.HostBucket) {
	slices.SortFunc(bs, func(a, b series.HostBucket) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.Host, b.Host))
	})
}

// sortPoints orders readings by time, then hostname.
func sortPoints(ps []series.HostPoint) {
	slices.SortFunc(ps, func(a, b series.HostPoint) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.Host, b.Host))
	})
}

// sortByHost orders readings by hostname.
func sortByHost(ps []series.HostPoint) {
	slices.SortFunc(ps, func(a, b series.HostPoint) int { return strings.Compare(a.Host, b.Host) })
}
