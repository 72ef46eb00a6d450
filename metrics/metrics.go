// Package metrics serves a storefit run's live figures to Prometheus (or any
// OpenMetrics scraper): storefit run --metrics-addr host:port.
//
// It implements runner.Live, so it is fed by the runner's phases and by the
// interval collector once per measured second, never per operation: the
// workers' hot path is untouched. Everything is registered on the
// Exporter's own registry, not the global one.
//
// Series, labelled by workload, store and operation kind:
//
//	storefit_operations_total{workload,store,kind}        successful operations (counter)
//	storefit_errors_total{workload,store,kind,class}      failed operations by class: timeout, not_found, unsupported, canceled, error
//	storefit_latency_seconds{workload,store,kind}         latency histogram (under open loop, from the intended start)
//	storefit_phase{workload,store,phase}                  1 for the cell's current phase: setup, load, validate, warmup, run, done
//	storefit_load_rows{workload,store}                    rows loaded so far in the cell's load phase
//	storefit_build_info{version,commit,go}                1
//	process_cpu_seconds_total, process_resident_memory_bytes, go_*
//	                                                      the harness itself (storefit and any embedded store)
//
// A second's figures appear once every worker has finished it, so series
// lag the run by one to two seconds. The Grafana dashboard in
// metrics/grafana-dashboard.json charts them.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/storefit/storefit/runner"
)

// Phases are the values of the phase label, in the order a cell goes
// through them.
var Phases = []string{"setup", "load", "validate", "warmup", "run", "done"}

// LatencyBuckets are the upper bounds (seconds) of the latency histogram:
// 1 µs to about 67 s in steps of √2 (two buckets per doubling).
var LatencyBuckets = prometheus.ExponentialBuckets(1e-6, 1.4142135623730951, 53)

// Exporter holds a run's live series and serves them. Its methods are safe
// for concurrent use.
type Exporter struct {
	reg      *prometheus.Registry
	ops      *prometheus.CounterVec
	errs     *prometheus.CounterVec
	phase    *prometheus.GaugeVec
	loadRows *prometheus.GaugeVec
	lat      *latencyCollector
}

var _ runner.Live = (*Exporter)(nil)

// New returns an Exporter for a build of storefit (version, commit).
func New(version, commit string) *Exporter {
	labels := []string{"workload", "store", "kind"}
	x := &Exporter{
		reg: prometheus.NewRegistry(),
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storefit_operations_total", Help: "Successful operations of the measured phase.",
		}, labels),
		errs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storefit_errors_total", Help: "Failed operations of the measured phase, by error class.",
		}, append(labels, "class")),
		phase: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "storefit_phase", Help: "1 for the phase a cell (workload on store) is in, 0 for the others.",
		}, []string{"workload", "store", "phase"}),
		loadRows: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "storefit_load_rows", Help: "Rows loaded so far in the cell's load phase.",
		}, []string{"workload", "store"}),
		lat: newLatencyCollector(prometheus.NewDesc("storefit_latency_seconds",
			"Latency of successful operations of the measured phase (open loop: from the intended start).", labels, nil)),
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "storefit_build_info", Help: "The storefit build serving these metrics.",
		ConstLabels: prometheus.Labels{"version": version, "commit": commit, "go": runtime.Version()},
	})
	info.Set(1)
	x.reg.MustRegister(x.ops, x.errs, x.phase, x.loadRows, x.lat, info,
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector())
	return x
}

// Registry returns the Exporter's registry.
func (x *Exporter) Registry() *prometheus.Registry { return x.reg }

// Handler serves the metrics in the Prometheus text format or, when the
// scraper asks for it, OpenMetrics.
func (x *Exporter) Handler() http.Handler {
	return promhttp.HandlerFor(x.reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// Phase implements runner.Live.
func (x *Exporter) Phase(c runner.LiveCell, phase string) {
	for _, p := range Phases {
		v := 0.0
		if p == phase {
			v = 1
		}
		x.phase.WithLabelValues(c.Workload, c.Store, p).Set(v)
	}
}

// LoadRows implements runner.Live.
func (x *Exporter) LoadRows(c runner.LiveCell, rows int64) {
	x.loadRows.WithLabelValues(c.Workload, c.Store).Set(float64(rows))
}

// Second implements runner.Live.
func (x *Exporter) Second(c runner.LiveCell, kinds []runner.LiveKind) {
	classes := runner.ErrorClasses()
	for _, k := range kinds {
		x.ops.WithLabelValues(c.Workload, c.Store, k.Kind).Add(float64(k.Latency.TotalCount()))
		for i, n := range k.Errors {
			if n > 0 {
				x.errs.WithLabelValues(c.Workload, c.Store, k.Kind, classes[i]).Add(float64(n))
			}
		}
		x.lat.add([3]string{c.Workload, c.Store, k.Kind}, k)
	}
}

// Server is a running metrics endpoint.
type Server struct {
	srv *http.Server
	ln  net.Listener
	err chan error
}

// Serve listens on addr (host:port; port 0 picks a free one) and serves
// /metrics until Close.
func (x *Exporter) Serve(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", x.Handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "storefit: live metrics of the run at /metrics")
	})
	s := &Server{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln: ln, err: make(chan error, 1)}
	go func() { s.err <- s.srv.Serve(ln) }()
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server, letting scrapes in progress finish for up to a
// second.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.err; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// latencyCollector keeps cumulative latency histograms fed from HDR
// histograms once per second and exposes them as Prometheus histograms.
type latencyCollector struct {
	desc *prometheus.Desc
	mu   sync.Mutex
	h    map[[3]string]*cumulative
}

type cumulative struct {
	counts []uint64 // per LatencyBuckets bound, not cumulative; the last is +Inf
	count  uint64
	sum    float64 // seconds
}

func newLatencyCollector(d *prometheus.Desc) *latencyCollector {
	return &latencyCollector{desc: d, h: map[[3]string]*cumulative{}}
}

// add adds the latencies of k's second to the histogram of key.
func (l *latencyCollector) add(key [3]string, k runner.LiveKind) {
	n := k.Latency.TotalCount()
	if n == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.h[key]
	if c == nil {
		c = &cumulative{counts: make([]uint64, len(LatencyBuckets)+1)}
		l.h[key] = c
	}
	b := 0
	for _, bar := range k.Latency.Distribution() {
		if bar.Count == 0 {
			continue
		}
		v := float64(bar.To) / 1e9 // the bar's highest value, seconds
		for b < len(LatencyBuckets) && v > LatencyBuckets[b] {
			b++
		}
		c.counts[b] += uint64(bar.Count)
	}
	c.count += uint64(n)
	c.sum += k.Latency.Mean() * float64(n) / 1e9
}

// Describe implements prometheus.Collector.
func (l *latencyCollector) Describe(ch chan<- *prometheus.Desc) { ch <- l.desc }

// Collect implements prometheus.Collector.
func (l *latencyCollector) Collect(ch chan<- prometheus.Metric) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for key, c := range l.h {
		buckets := make(map[float64]uint64, len(LatencyBuckets))
		var cum uint64
		for i, ub := range LatencyBuckets {
			cum += c.counts[i]
			buckets[ub] = cum
		}
		ch <- prometheus.MustNewConstHistogram(l.desc, c.count, c.sum, buckets, key[0], key[1], key[2])
	}
}
