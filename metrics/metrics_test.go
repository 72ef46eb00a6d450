package metrics_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	_ "github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/metrics"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/runner"
	"github.com/storefit/storefit/workloads"
	_ "github.com/storefit/storefit/workloads/point"
)

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mf, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return mf
}

// sum adds the values of a family's series whose labels include want.
func sum(mf map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f := mf[name]
	if f == nil {
		return 0
	}
	var s float64
series:
	for _, m := range f.Metric {
		for k, v := range want {
			found := false
			for _, l := range m.Label {
				found = found || (l.GetName() == k && l.GetValue() == v)
			}
			if !found {
				continue series
			}
		}
		switch {
		case m.Counter != nil:
			s += m.Counter.GetValue()
		case m.Gauge != nil:
			s += m.Gauge.GetValue()
		case m.Histogram != nil:
			s += float64(m.Histogram.GetSampleCount())
		}
	}
	return s
}

// A live run scraped while it runs: the phase, operations and latency
// histograms per kind appear during the measured phase, and once it is over
// the counters equal the result's totals exactly.
func TestScrapeLiveRun(t *testing.T) {
	x := metrics.New("test", "abc")
	srv, err := x.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	url := "http://" + srv.Addr() + "/metrics"

	plan := runner.Plan{Cells: []runner.Cell{{
		Workload: "point/a", Store: "memory",
		Params: workloads.Params{Seed: 1, Scale: workloads.Quick, Options: map[string]any{"records": 2000}},
		Config: runner.Config{Workers: 2, Duration: 4 * time.Second, Timeout: time.Second},
	}}}
	type outcome struct {
		res *results.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := runner.Run(context.Background(), plan, runner.Options{Live: x})
		done <- outcome{res, err}
	}()
	cell := map[string]string{"workload": "point/a", "store": "memory"}
	sawRun := false
	var during map[string]*dto.MetricFamily
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mf := scrape(t, url)
		run := map[string]string{"workload": "point/a", "store": "memory", "phase": "run"}
		if sum(mf, "storefit_phase", run) == 1 && sum(mf, "storefit_operations_total", cell) > 0 {
			sawRun, during = true, mf
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !sawRun {
		t.Fatal("no operations scraped during the measured phase")
	}
	if sum(during, "storefit_load_rows", cell) != 2000 {
		t.Errorf("load rows %v, want 2000", sum(during, "storefit_load_rows", cell))
	}
	for _, kind := range []string{"read", "update"} {
		k := map[string]string{"workload": "point/a", "store": "memory", "kind": kind}
		if sum(during, "storefit_latency_seconds", k) == 0 {
			t.Errorf("no %s latencies during the run", kind)
		}
	}
	for _, name := range []string{"process_cpu_seconds_total", "storefit_build_info", "go_goroutines"} {
		if during[name] == nil {
			t.Errorf("%s not served", name)
		}
	}
	out := <-done
	if out.err != nil {
		t.Fatal(out.err)
	}
	after := scrape(t, url)
	if sum(after, "storefit_phase", map[string]string{"phase": "done"}) != 1 {
		t.Error("phase done not reported after the run")
	}
	for _, k := range out.res.Cells[0].Run.Kinds {
		lbl := map[string]string{"workload": "point/a", "store": "memory", "kind": k.Kind}
		if got := sum(after, "storefit_operations_total", lbl); got != float64(k.Count) {
			t.Errorf("%s: %v operations scraped, the result has %d", k.Kind, got, k.Count)
		}
		if got := sum(after, "storefit_latency_seconds", lbl); got != float64(k.Count) {
			t.Errorf("%s: latency histogram counts %v, the result %d", k.Kind, got, k.Count)
		}
	}
}

// Errors are counted by class, latencies land in the right buckets, and an
// OpenMetrics scraper gets OpenMetrics.
func TestSecondExposition(t *testing.T) {
	x := metrics.New("test", "abc")
	h := hdr.New(1, 3600e9, 2)
	for range 90 {
		h.RecordValue(200_000) // 200 µs
	}
	for range 10 {
		h.RecordValue(30_000_000) // 30 ms
	}
	errs := make([]int64, len(runner.ErrorClasses()))
	errs[0] = 3 // timeout
	c := runner.LiveCell{Workload: "point/c", Store: "pg"}
	x.Second(c, []runner.LiveKind{{Kind: "read", Latency: h, Errors: errs}})
	x.Second(c, []runner.LiveKind{{Kind: "read", Latency: h, Errors: errs}})

	srv, err := x.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	mf := scrape(t, "http://"+srv.Addr()+"/metrics")
	if got := sum(mf, "storefit_errors_total", map[string]string{"class": "timeout", "kind": "read"}); got != 6 {
		t.Errorf("timeouts %v, want 6", got)
	}
	if got := sum(mf, "storefit_operations_total", nil); got != 200 {
		t.Errorf("operations %v, want 200", got)
	}
	hist := mf["storefit_latency_seconds"].Metric[0].Histogram
	below := func(le float64) uint64 {
		var n uint64
		for _, b := range hist.Bucket {
			if b.GetUpperBound() <= le && b.GetCumulativeCount() > n {
				n = b.GetCumulativeCount()
			}
		}
		return n
	}
	if below(150e-6) != 0 || below(300e-6) != 180 || below(0.025) != 180 || below(0.05) != 200 {
		t.Errorf("buckets: ≤150µs %d, ≤300µs %d, ≤25ms %d, ≤50ms %d; want 0, 180, 180, 200",
			below(150e-6), below(300e-6), below(0.025), below(0.05))
	}
	if s := hist.GetSampleSum(); s < 0.6 || s > 0.64 { // 180×200µs + 20×30ms = 0.636 s
		t.Errorf("sum %v s, want ≈ 0.636", s)
	}

	req, _ := http.NewRequest("GET", "http://"+srv.Addr()+"/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") || !strings.HasSuffix(strings.TrimSpace(string(body)), "# EOF") {
		t.Errorf("OpenMetrics asked, got %s", ct)
	}
}

func TestServeBadAddress(t *testing.T) {
	if _, err := metrics.New("", "").Serve("127.0.0.1:-1"); err == nil {
		t.Error("a bad address was accepted")
	}
}

// The Grafana dashboard is valid JSON and queries only series the exporter
// serves.
func TestGrafanaDashboard(t *testing.T) {
	data, err := os.ReadFile("grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	x := metrics.New("test", "abc")
	h := hdr.New(1, 3600e9, 2)
	h.RecordValue(1000)
	c := runner.LiveCell{Workload: "w", Store: "s"}
	x.Phase(c, "run")
	x.LoadRows(c, 1)
	x.Second(c, []runner.LiveKind{{Kind: "read", Latency: h, Errors: []int64{1, 0, 0, 0, 0}}})
	mfs, err := x.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, mf := range mfs {
		served[mf.GetName()] = true
		if mf.GetType() == dto.MetricType_HISTOGRAM {
			served[mf.GetName()+"_bucket"] = true
		}
	}
	name := regexp.MustCompile(`\b(storefit|process)_[a-z_]+`)
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			for _, n := range name.FindAllString(tg.Expr, -1) {
				if !served[n] {
					t.Errorf("panel %q queries %s, which is not served", p.Title, n)
				}
			}
		}
	}
}
