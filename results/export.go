package results

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/perf/benchfmt"
)

// csvHeader names the columns of WriteCSV.
var csvHeader = []string{
	"result", "workload", "pattern", "store", "store_version", "repetition", "status", "validation", "mode",
	"workers", "target_rate", "kind", "count", "errors", "ops_per_s", "mean_us", "min_us", "p50_us", "p90_us",
	"p95_us", "p99_us", "p99_9_us", "max_us", "uncorrected_p50_us", "uncorrected_p99_us", "load_rows_per_s",
	"harness_cpu_utilization", "error",
}

// WriteCSV writes one row per cell and operation kind of the results (a
// cell without a measured run — n/a, failed — gets one row with an empty
// kind), latencies in microseconds. Column "result" numbers the result
// documents from 1.
func WriteCSV(w io.Writer, rs []*Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	for ri, r := range rs {
		for i := range r.Cells {
			c := &r.Cells[i]
			validation, mode, load, util := "", "", "", ""
			if c.Validation != nil {
				validation = c.Validation.Status
			}
			if c.Load != nil {
				load = f(c.Load.RowsPerSec)
			}
			base := []string{strconv.Itoa(ri + 1), c.Workload, c.Pattern, c.Store, c.StoreVersion, strconv.Itoa(c.Repetition),
				c.Status, validation}
			if c.Run == nil {
				row := append(base, mode, strconv.Itoa(c.Params.Workers), f(c.Params.Rate))
				row = append(row, make([]string, 14)...)
				row = append(row, load, util, firstLine(c.Error))
				if err := cw.Write(row); err != nil {
					return err
				}
				continue
			}
			mode = c.Run.Mode
			if h := c.Run.Harness; h != nil {
				util = f(h.Utilization)
			}
			for _, k := range c.Run.Kinds {
				l := k.Latency
				up50, up99 := "", ""
				if k.Uncorrected != nil {
					up50, up99 = f(k.Uncorrected.P50), f(k.Uncorrected.P99)
				}
				row := append(append([]string(nil), base...), mode, strconv.Itoa(c.Params.Workers), f(c.Run.IntendedRate),
					k.Kind, strconv.FormatInt(k.Count, 10), strconv.FormatInt(k.ErrorCount(), 10), f(k.OpsPerSec),
					f(l.Mean), f(l.Min), f(l.P50), f(l.P90), f(l.P95), f(l.P99), f(l.P999), f(l.Max), up50, up99,
					load, util, firstLine(c.Error))
				if err := cw.Write(row); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteBenchfmt writes the results in the Go benchmark format, so benchstat
// reads them: one line per measured cell (repetition) and operation kind,
// plus a kind=all line per cell, named
//
//	Benchmark<Pattern>/<variant>/store=<store>/kind=<kind>-<GOMAXPROCS>
//
// with the operation count as iterations and the values ns/op (mean
// latency), p50-ns and p99-ns (percentiles, corrected under open loop) and
// ops/s. Every repetition is its own line, so benchstat sees the
// repetitions as samples; "benchstat -col /store" compares stores.
func WriteBenchfmt(w io.Writer, rs []*Result) error {
	bw := benchfmt.NewWriter(w)
	for _, u := range []struct{ unit, better string }{{"ops/s", "higher"}} {
		m := &benchfmt.UnitMetadata{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: u.unit, Key: "better"}, OrigUnit: u.unit, Value: u.better}
		if err := bw.Write(m); err != nil {
			return err
		}
	}
	for _, r := range rs {
		env := r.Environment
		for _, g := range Groups([]*Result{r}) {
			for _, c := range g.Measured() {
				res := &benchfmt.Result{}
				res.SetConfig("goos", env.OS)
				res.SetConfig("goarch", env.Arch)
				res.SetConfig("cpu", env.CPUModel)
				res.SetConfig("pkg", "github.com/storefit/storefit")
				res.SetConfig("storefit", r.Tool.Version)
				res.SetConfig("scale", c.Scale)
				for i := range res.Config {
					res.Config[i].File = true
				}
				pattern, variant, _ := strings.Cut(c.Workload, "/")
				base := benchName(pattern, variant, g.Label)
				procs := max(env.GOMAXPROCS, 1)
				line := func(kind string, count int64, mean, p50, p99, opsps float64) error {
					res.Name = benchfmt.Name(fmt.Sprintf("%s/kind=%s-%d", base, nameSafe(kind), procs))
					res.Iters = int(max(count, 1))
					res.Values = []benchfmt.Value{
						{Value: mean * 1e3, Unit: "ns/op"},
						{Value: p50 * 1e3, Unit: "p50-ns"},
						{Value: p99 * 1e3, Unit: "p99-ns"},
						{Value: opsps, Unit: "ops/s"},
					}
					return bw.Write(res)
				}
				run := c.Run
				if len(run.Kinds) > 1 {
					h := run.OverallHistogram(false)
					if err := line("all", run.Ops, h.Mean()/1e3, Quantile(h, 50), Quantile(h, 99), run.OpsPerSec); err != nil {
						return err
					}
				}
				for _, k := range run.Kinds {
					if k.Count == 0 {
						continue
					}
					if err := line(k.Kind, k.Count, k.Latency.Mean, k.Latency.P50, k.Latency.P99, k.OpsPerSec); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// benchName builds a benchmark name: the pattern capitalized, the variant
// as a sub-benchmark, the store as a key.
func benchName(pattern, variant, store string) string {
	p := []rune(nameSafe(pattern))
	if len(p) > 0 {
		p[0] = unicode.ToUpper(p[0])
	}
	name := string(p)
	if variant != "" {
		name += "/" + nameSafe(variant)
	}
	return name + "/store=" + nameSafe(store)
}

// nameSafe makes s usable in a benchmark name: no spaces, slashes or
// dashes followed by digits (which would read as GOMAXPROCS).
func nameSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '/' || unicode.IsSpace(r):
			return '_'
		case r == '(' || r == ')' || r == ',':
			return -1
		case r == '-':
			return '_'
		}
		return r
	}, s)
}

// IntervalRecord is one line of the JSON Lines export of intervals.
type IntervalRecord struct {
	Result     int       `json:"result"`
	Workload   string    `json:"workload"`
	Store      string    `json:"store"`
	Repetition int       `json:"repetition,omitempty"`
	Start      time.Time `json:"start,omitzero"`
	Interval
}

// WriteIntervalsJSONL writes every interval of every measured cell as one
// JSON object per line (JSON Lines), without the encoded histograms. Start
// is the interval's wall-clock start when the result recorded the measured
// phase's start.
func WriteIntervalsJSONL(w io.Writer, rs []*Result) error {
	enc := json.NewEncoder(w)
	for ri, r := range rs {
		for i := range r.Cells {
			c := &r.Cells[i]
			if c.Run == nil {
				continue
			}
			for _, iv := range c.Run.Intervals {
				rec := IntervalRecord{Result: ri + 1, Workload: c.Workload, Store: c.Store, Repetition: c.Repetition, Interval: iv}
				rec.Histogram = ""
				if !c.Run.MeasuredStart.IsZero() {
					rec.Start = c.Run.MeasuredStart.Add(time.Duration(iv.T) * time.Second)
				}
				if err := enc.Encode(rec); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// WriteHdrLog writes a cell's intervals in HdrHistogram's interval log
// format (version 1.3), which HdrHistogram's own tools read
// (HistogramLogProcessor, HistogramLogAnalyzer): one line per one-second
// interval with its compressed histogram of latencies in nanoseconds (all
// operation kinds together; corrected under open loop). Interval
// timestamps are relative to the measured phase's start, which the log
// records as its StartTime and BaseTime.
func WriteHdrLog(w io.Writer, c *Cell) error {
	if c.Run == nil {
		return fmt.Errorf("%s on %s has no measured run", c.Workload, c.Store)
	}
	lw := hdr.NewHistogramLogWriter(w)
	if err := lw.OutputLogFormatVersion(); err != nil {
		return err
	}
	if err := lw.OutputComment(fmt.Sprintf("[storefit: %s on %s, latency in ns, %s loop]", c.Workload, c.Store, c.Run.Mode)); err != nil {
		return err
	}
	start := c.Run.MeasuredStart
	startMs := start.UnixMilli()
	if !start.IsZero() {
		if err := lw.OutputStartTime(startMs); err != nil {
			return err
		}
		if err := lw.OutputBaseTime(startMs); err != nil {
			return err
		}
		lw.SetBaseTime(startMs)
	}
	if err := lw.OutputLegend(); err != nil {
		return err
	}
	last := len(c.Run.Intervals) - 1
	for i, iv := range c.Run.Intervals {
		var h *hdr.Histogram
		if iv.Histogram != "" {
			var err error
			if h, err = DecodeHistogram(iv.Histogram); err != nil {
				return fmt.Errorf("interval %d: %w", iv.T, err)
			}
		} else {
			h = NewIntervalHistogram()
		}
		length := int64(1000)
		if i == last && c.Run.Seconds > 0 {
			rest := int64(c.Run.Seconds*1000) - int64(iv.T)*1000
			length = min(max(rest, 1), 1000)
		}
		base := int64(0)
		if !start.IsZero() {
			base = startMs
		}
		h.SetStartTimeMs(base + int64(iv.T)*1000)
		h.SetEndTimeMs(base + int64(iv.T)*1000 + length)
		if err := lw.OutputIntervalHistogram(h); err != nil {
			return err
		}
	}
	return nil
}

// FileName returns a file name for a cell's exports: workload, store and
// repetition, with characters unsafe in file names replaced.
func (c *Cell) FileName() string {
	name := c.Workload + "_" + c.Store
	if c.Repetition > 0 {
		name += fmt.Sprintf("_r%d", c.Repetition)
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.' || r == '-' {
			return r
		}
		return '-'
	}, name)
}
