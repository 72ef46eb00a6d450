package point

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/magiconair/properties"
)

// YCSB's property files (workloads/workloada … workloadf and the user's own)
// are read unchanged: LoadYCSBProperties parses them as Java does, and
// FromYCSB maps every property of YCSB's CoreWorkload and Client that point
// supports onto point's options and the runner's settings, and lists the
// ones it ignores with the reason. Properties that would change what is
// measured in a way storefit cannot reproduce (another workload class,
// variable field lengths, YCSB's client-side key-range split) are errors,
// never silently dropped.

// YCSBRun holds the runner settings a YCSB property set asks for; zero
// fields were not given.
type YCSBRun struct {
	// Workers is threadcount.
	Workers int
	// Rate is target, in operations per second over all threads (storefit
	// runs it open loop, latency measured from the intended start).
	Rate float64
	// Ops is operationcount (0: unbounded, as in YCSB).
	Ops int64
	// Duration is maxexecutiontime.
	Duration time.Duration
}

// YCSBIgnored is a property FromYCSB does not use, and why.
type YCSBIgnored struct {
	Name, Value, Reason string
	// Core is true for a property of YCSB's CoreWorkload or Client, false
	// for any other (a database binding's, whose value may be a secret).
	Core bool
}

// YCSB is a YCSB CoreWorkload configuration mapped onto point.
type YCSB struct {
	// Mix is the core workload ("a" … "f") whose operation proportions and
	// request distribution the properties give, or "ycsb" for any other
	// mix (the workload point/ycsb, which starts from CoreWorkload's own
	// defaults).
	Mix string
	// Options are point options (Config's yaml names); every supported
	// property is given, defaults included, so the result does not depend
	// on the mix's defaults.
	Options map[string]any
	// Run holds the runner settings.
	Run YCSBRun
	// Ignored lists the properties given but not used, by name.
	Ignored []YCSBIgnored
	// Notes says what storefit chose where YCSB would have needed a
	// property that was not given.
	Notes []string
}

// LoadYCSBProperties reads YCSB property files in order (later files
// override earlier ones, as YCSB's -P does) in Java's .properties format,
// then applies overrides ("name=value", YCSB's -p), which win over every
// file.
func LoadYCSBProperties(files, overrides []string) (map[string]string, error) {
	out := map[string]string{}
	l := &properties.Loader{Encoding: properties.ISO_8859_1, DisableExpansion: true}
	for _, f := range files {
		p, err := l.LoadFile(f)
		if err != nil {
			return nil, fmt.Errorf("YCSB property file: %w", err)
		}
		for _, k := range p.Keys() {
			out[k], _ = p.Get(k)
		}
	}
	for _, kv := range overrides {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("-p %q: use NAME=VALUE, e.g. -p recordcount=100000", kv)
		}
		out[k] = strings.TrimSpace(v)
	}
	return out, nil
}

// ycsbWorkloads are the CoreWorkload class names YCSB has shipped under.
var ycsbWorkloads = []string{"site.ycsb.workloads.CoreWorkload", "com.yahoo.ycsb.workloads.CoreWorkload"}

// ycsbIgnored are the YCSB properties storefit reads but does not use, with
// the reason; any other unknown property is reported as not YCSB core.
var ycsbIgnored = map[string]string{
	"db":                                     "the store is chosen with --store",
	"dotransactions":                         "storefit loads, validates and runs in one go (split with --phase load|run)",
	"dataintegrity":                          "storefit checks every store's answers in its validation phase",
	"readallfieldsbyname":                    "a client detail; stores read the fields they are asked for",
	"fieldnameprefix":                        "fields are named field0, field1, …",
	"minfieldlength":                         "fields have the constant length fieldlength",
	"fieldlengthhistogram":                   "fields have the constant length fieldlength",
	"core_workload_insertion_retry_limit":    "a failed insert is counted as an error, not retried",
	"core_workload_insertion_retry_interval": "a failed insert is counted as an error, not retried",
	"measurementtype":                        "storefit always records HdrHistograms per operation kind and per second",
	"measurement.interval":                   "with target (--rate) latency is measured from the intended start, and the uncorrected figure is kept beside it",
	"measurement.trackjvm":                   "storefit records its own CPU use",
	"measurement.raw.output_file":            "export raw histograms with storefit export",
	"measurement.raw.no_summary":             "storefit always records HdrHistograms per operation kind and per second",
	"measurement.histogram.verbose":          "storefit always records HdrHistograms per operation kind and per second",
	"histogram.buckets":                      "storefit always records HdrHistograms per operation kind and per second",
	"hdrhistogram.percentiles":               "reports show p50, p90, p95, p99, p99.9 and max",
	"hdrhistogram.fileoutput":                "export histograms with storefit export --format hdrlog",
	"hdrhistogram.output.path":               "export histograms with storefit export --format hdrlog",
	"timeseries.granularity":                 "per-second intervals are always recorded",
	"reportlatencyforeacherror":              "errors are counted per operation kind and class",
	"latencytrackederrors":                   "errors are counted per operation kind and class",
	"exporter":                               "storefit writes its result document (and report, export)",
	"exportfile":                             "the result file is --out",
	"status.interval":                        "progress is shown live (--progress)",
	"debug":                                  "not used",
	"warmupops":                              "use --warmup",
}

// ycsbProps reads typed properties, remembering which were used and the
// first parse error.
type ycsbProps struct {
	m    map[string]string
	used map[string]bool
	err  error
}

func (p *ycsbProps) str(name, def string) string {
	p.used[name] = true
	if v, ok := p.m[name]; ok {
		return v
	}
	return def
}

func (p *ycsbProps) has(name string) bool { _, ok := p.m[name]; return ok }

func (p *ycsbProps) int(name string, def int64) int64 {
	s := p.str(name, "")
	if s == "" {
		return def
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("YCSB property %s=%q is not an integer", name, s)
	}
	return v
}

func (p *ycsbProps) float(name string, def float64) float64 {
	s := p.str(name, "")
	if s == "" {
		return def
	}
	v, err := strconv.ParseFloat(s, 64)
	if (err != nil || math.IsNaN(v) || math.IsInf(v, 0)) && p.err == nil {
		p.err = fmt.Errorf("YCSB property %s=%q is not a number", name, s)
	}
	return v
}

// bool parses as Java's Boolean.parseBoolean: "true" in any case is true,
// anything else false.
func (p *ycsbProps) bool(name string, def bool) bool {
	s := p.str(name, "")
	if s == "" {
		return def
	}
	return strings.EqualFold(s, "true")
}

// FromYCSB maps YCSB properties onto a point workload and runner settings,
// with CoreWorkload's defaults for what is not given (readproportion 0.95,
// updateproportion 0.05, requestdistribution uniform, maxscanlength 1000, …)
// except recordcount, which defaults to storefit's scale. The zipfian
// chooser's insert headroom is YCSB's expectednewkeys, operationcount ×
// insertproportion × 2, so the hot keys are YCSB's.
func FromYCSB(props map[string]string) (*YCSB, error) {
	p := &ycsbProps{m: props, used: map[string]bool{}}
	y := &YCSB{Options: map[string]any{}}
	if w := p.str("workload", ycsbWorkloads[0]); !slices.Contains(ycsbWorkloads, w) {
		return nil, fmt.Errorf("YCSB property workload=%s: storefit runs YCSB's CoreWorkload (%s) only", w, ycsbWorkloads[0])
	}
	cfg, err := DefaultConfig("ycsb", "")
	if err != nil {
		return nil, err
	}
	y.Options["table"] = p.str("table", cfg.Table)
	records := p.int("recordcount", 0)
	switch {
	case !p.has("recordcount"):
		y.Notes = append(y.Notes, "recordcount not given: the scale sets it (--scale, --records)")
	case records < 1:
		return nil, fmt.Errorf("YCSB property recordcount=%d: give a positive record count", records)
	default:
		y.Options["records"] = records
	}
	if err := ycsbFields(p, y); err != nil {
		return nil, err
	}
	if err := ycsbKeyRange(p, records); err != nil {
		return nil, err
	}
	y.Options["readallfields"] = p.bool("readallfields", true)
	y.Options["writeallfields"] = p.bool("writeallfields", false)
	y.Options["insertorder"] = p.str("insertorder", cfg.InsertOrder)
	y.Options["zeropadding"] = p.int("zeropadding", int64(cfg.ZeroPadding))
	dist := p.str("requestdistribution", cfg.RequestDistribution)
	y.Options["requestdistribution"] = dist
	y.Options["hotspotdatafraction"] = p.float("hotspotdatafraction", cfg.HotspotDataFraction)
	y.Options["hotspotopnfraction"] = p.float("hotspotopnfraction", cfg.HotspotOpnFraction)
	y.Options["exponential.percentile"] = p.float("exponential.percentile", cfg.ExponentialPercentile)
	y.Options["exponential.frac"] = p.float("exponential.frac", cfg.ExponentialFrac)
	y.Options["minscanlength"] = p.int("minscanlength", int64(cfg.MinScanLength))
	y.Options["maxscanlength"] = p.int("maxscanlength", int64(cfg.MaxScanLength))
	y.Options["scanlengthdistribution"] = p.str("scanlengthdistribution", cfg.ScanLengthDistribution)
	mix := [numOps]float64{
		p.float("readproportion", cfg.ReadProportion),
		p.float("updateproportion", cfg.UpdateProportion),
		p.float("insertproportion", cfg.InsertProportion),
		p.float("scanproportion", cfg.ScanProportion),
		p.float("readmodifywriteproportion", cfg.RMWProportion),
	}
	for op, name := range []string{"readproportion", "updateproportion", "insertproportion", "scanproportion", "readmodifywriteproportion"} {
		y.Options[name] = mix[op]
	}
	y.Run = YCSBRun{
		Workers:  int(p.int("threadcount", 0)),
		Rate:     p.float("target", 0),
		Ops:      p.int("operationcount", 0),
		Duration: time.Duration(p.int("maxexecutiontime", 0)) * time.Second,
	}
	if y.Run.Workers < 0 || y.Run.Rate < 0 || y.Run.Ops < 0 || y.Run.Duration < 0 {
		return nil, fmt.Errorf("YCSB properties threadcount, target, operationcount and maxexecutiontime must not be negative")
	}
	if dist == "zipfian" {
		// CoreWorkload: expectednewkeys = (int) (opcount * insertproportion * 2.0).
		if mix[opInsert] > 0 && y.Run.Ops == 0 {
			y.Notes = append(y.Notes, "operationcount not given: YCSB sizes the zipfian key range by it; storefit leaves room for max(records/10, 1000) inserts")
		} else {
			y.Options["insertheadroom"] = int64(float64(y.Run.Ops) * mix[opInsert] * 2)
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	y.Mix = matchMix(mix, dist)
	y.Ignored = ycsbUnused(p)
	return y, nil
}

// ycsbFields maps the record layout: fieldcount fields of the constant
// length fieldlength.
func ycsbFields(p *ycsbProps, y *YCSB) error {
	y.Options["fieldcount"] = p.int("fieldcount", 10)
	y.Options["fieldlength"] = p.int("fieldlength", 100)
	if d := p.str("fieldlengthdistribution", "constant"); d != "constant" {
		return fmt.Errorf("YCSB property fieldlengthdistribution=%s: storefit's fields have the constant length fieldlength (use fieldlengthdistribution=constant)", d)
	}
	return nil
}

// ycsbKeyRange refuses insertstart/insertcount other than the whole key
// range: YCSB uses them to split loading and key choice between client
// machines, which storefit does with --shard i/n.
func ycsbKeyRange(p *ycsbProps, records int64) error {
	start := p.int("insertstart", 0)
	count := p.int("insertcount", records-start)
	if start != 0 || (p.has("insertcount") && count != records) {
		return fmt.Errorf("YCSB properties insertstart=%d insertcount=%d split the key range between YCSB clients; storefit runs one share of a plan with --shard i/n instead", start, count)
	}
	return nil
}

// matchMix returns the core mix with these proportions and request
// distribution, or "ycsb".
func matchMix(props [numOps]float64, dist string) string {
	for _, name := range []string{"a", "b", "c", "d", "e", "f"} {
		m := mixes[name]
		if m.dist == dist && props == [numOps]float64{m.read, m.update, m.insert, m.scan, m.rmw} {
			return name
		}
	}
	return "ycsb"
}

// ycsbUnused lists the given properties FromYCSB did not use, sorted.
func ycsbUnused(p *ycsbProps) []YCSBIgnored {
	var out []YCSBIgnored
	for name, v := range p.m {
		if p.used[name] {
			continue
		}
		reason, core := ycsbIgnored[name]
		if !core {
			reason = "not a CoreWorkload or Client property (a database binding's?)"
		}
		out = append(out, YCSBIgnored{Name: name, Value: v, Reason: reason, Core: core})
	}
	slices.SortFunc(out, func(a, b YCSBIgnored) int { return strings.Compare(a.Name, b.Name) })
	return out
}
