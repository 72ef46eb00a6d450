package report

import (
	"bytes"
	"image"
	_ "image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/results/resultstest"
)

func sampleOptions() Options {
	return Options{Pick: results.PickOptions{}, Sources: []string{"sample.json", "open-loop.json"}}
}

// The report holds every figure as inline SVG and fetches nothing.
func TestHTMLIsSelfContained(t *testing.T) {
	rs := resultstest.Sample()
	var b bytes.Buffer
	if err := WriteHTML(&b, rs, sampleOptions()); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	figs := Figures(rs, sampleOptions())
	if got := strings.Count(html, "<svg "); got != len(figs) {
		t.Errorf("%d inline SVGs, want one per figure (%d)", got, len(figs))
	}
	for _, prefix := range []string{"matrix", "throughput-point", "p99-point", "load-rate", "spectrum-point-a", "timeline-point-a", "maxrate-point-c"} {
		found := false
		for _, f := range figs {
			if strings.HasPrefix(f.Name, prefix) {
				found = true
			}
		}
		if !found {
			t.Errorf("no figure %s*", prefix)
		}
	}
	// Nothing is fetched: no scripts, no external references.
	for _, bad := range []*regexp.Regexp{regexp.MustCompile(`<script`), regexp.MustCompile(`(src|href)="(https?:)?//`), regexp.MustCompile(`@import|url\(`)} {
		if loc := bad.FindStringIndex(html); loc != nil {
			t.Errorf("report fetches something: %q", html[max(0, loc[0]-40):min(len(html), loc[1]+60)])
		}
	}
	for _, want := range []string{"One DB to rule them all?", "postgres alone covers all 4 patterns measured", "failed validation", "load generator, not the store, was the limit", "sample.json"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(html, "bench:") && !strings.Contains(html, "xxxxx") {
		t.Error("a DSN password leaked")
	}
}

func TestWritePlots(t *testing.T) {
	dir := t.TempDir()
	files, err := WritePlots(dir, resultstest.Sample(), sampleOptions(), []string{"svg", "png"})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2*len(Figures(resultstest.Sample(), sampleOptions())) {
		t.Errorf("%d files", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil || len(data) < 500 {
			t.Errorf("%s: %d bytes, %v", f, len(data), err)
		}
		if strings.HasSuffix(f, ".png") {
			if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
}

// chromium returns the headless browser to screenshot with: skipped when
// there is none, unless STOREFIT_REQUIRE_CHROMIUM=1 (CI installs it).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("STOREFIT_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("chromium not found and STOREFIT_REQUIRE_CHROMIUM=1 (apt-get install chromium)")
	}
	t.Skip("chromium not installed (apt-get install chromium; STOREFIT_REQUIRE_CHROMIUM=1 makes this a failure)")
	return ""
}

// The report opens in a headless browser and shows its plots: the
// screenshot is a real image, not blank, and has the plots' colours.
func TestHTMLRendersInChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := WriteHTMLFile(page, resultstest.Sample(), sampleOptions()); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "shot.png")
	if out := os.Getenv("STOREFIT_SCREENSHOT"); out != "" {
		shot = out // keep it, to look at
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--screenshot="+shot, "--window-size=1400,3000", "file://"+page)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	done := make(chan error, 1)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	finished := false
	defer func() {
		if !finished { // no browser process outlives a failed test
			killGroup(cmd)
		}
	}()
	select {
	case err := <-done:
		finished = true
		if err != nil {
			t.Fatalf("chromium: %v\n%s", err, out.String())
		}
	case <-time.After(90 * time.Second):
		killGroup(cmd)
		<-done
		finished = true
		t.Fatalf("chromium did not finish in 90 s\n%s", out.String())
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, out.String())
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() < 1000 || b.Dy() < 2000 {
		t.Fatalf("screenshot %v", b)
	}
	// Pixel statistics: not blank (variance), and with the colours the
	// plots use (the matrix's green, the bars' blue), not just text.
	var sum, sum2, n float64
	var green, blue int
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			l := 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)
			sum += l
			sum2 += l * l
			n++
			if near(r, g, bl, 0x0B, 0x6E, 0x5A, 40) {
				green++
			}
			if near(r, g, bl, 0x00, 0x72, 0xB2, 30) {
				blue++
			}
		}
	}
	mean := sum / n
	sd := math.Sqrt(sum2/n - mean*mean)
	t.Logf("screenshot %v: luminance mean %.1f sd %.1f; %d matrix-green and %d bar-blue samples", b, mean, sd, green, blue)
	if sd < 20 {
		t.Errorf("screenshot looks blank: luminance sd %.1f", sd)
	}
	if green < 200 || blue < 200 {
		t.Errorf("screenshot lacks the plots' colours: %d green, %d blue samples", green, blue)
	}
}

func near(r, g, b uint32, R, G, B uint32, tol int) bool {
	d := func(a, b uint32) int {
		if a > b {
			return int(a - b)
		}
		return int(b - a)
	}
	return d(r, R) <= tol && d(g, G) <= tol && d(b, B) <= tol
}

// Degenerate results render without error: no cells, only failures, a run
// whose operations all failed, a run shorter than one interval.
func TestHTMLEdgeCases(t *testing.T) {
	empty := resultstest.Result(nil, 1)
	failures := resultstest.Result([]resultstest.Spec{
		{Workload: "graph/fof", Store: "redis", Status: results.StatusFailed, Error: "connection refused"},
		{Workload: "graph/fof", Store: "noop", Status: results.StatusNA},
	}, 1)
	allErrors := resultstest.Result([]resultstest.Spec{{Workload: "point/c", Store: "pg", OpsPerSec: 0, P50Us: 100}}, 1)
	allErrors.Cells[0].Run.Errors = 500
	short := resultstest.Result([]resultstest.Spec{{Workload: "point/c", Store: "pg", OpsPerSec: 5000, P50Us: 100, Seconds: 1}}, 1)
	short.Cells[0].Run.Seconds = 0.2 // one sliver of an interval
	open := resultstest.Result([]resultstest.Spec{{Workload: "point/c", Store: "pg", OpsPerSec: 5000, P50Us: 100, Rate: 5000}}, 1)
	for name, rs := range map[string][]*results.Result{
		"empty": {empty}, "failures": {failures}, "all errors": {allErrors}, "short": {short}, "open loop": {open},
		"no SLO": {open, failures},
	} {
		t.Run(name, func(t *testing.T) {
			o := sampleOptions()
			if name == "no SLO" {
				o.Pick.Score = true
			}
			var b bytes.Buffer
			if err := WriteHTML(&b, rs, o); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "</html>") {
				t.Error("truncated report")
			}
			if err := results.WriteTextReport(&b, rs, o.Pick); err != nil {
				t.Error(err)
			}
			if err := results.WriteMarkdown(&b, rs, o.Pick); err != nil {
				t.Error(err)
			}
			for _, f := range Figures(rs, o) {
				if _, err := f.PNG(72); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// A sync cell gets the strategy × view table, its verdict and a
// lag-over-time figure.
func TestHTMLSync(t *testing.T) {
	r := resultstest.Sample()[0]
	exp := int64(2)
	r.Cells = append(r.Cells, results.Cell{Workload: "sync/dual", Pattern: "sync", Store: "postgres", Status: results.StatusOK,
		Params: results.RunParams{Workers: 1, Rate: 100}, Run: r.Cells[0].Run,
		Sync: &results.Sync{Strategy: "dual", Writes: 300, Drained: true, Verdict: "dual writes lost 2 rows.",
			Faults: []results.SyncFault{{AtSeconds: 1, Kind: "view-down", Target: "timeline", DurationSeconds: 1}, {AtSeconds: 2, Kind: "consumer-restart"}},
			Views: []results.SyncView{{Name: "timeline", Store: "redis", LagP99Ms: 50, Divergence: 2, ExpectedDivergence: &exp,
				LagSeries: []results.SyncLagPoint{{T: 0, MaxMs: 5}, {T: 1, MaxMs: 800}, {T: 2, MaxMs: 10}}}}}})
	var b bytes.Buffer
	if err := WriteHTML(&b, []*results.Result{r}, sampleOptions()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="sync"`, "dual writes lost 2 rows.", "2 (expected 2)", "freshness lag over time"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// Issue 16: "The report's store × pattern grid labels the reference store
// memory 'failed' on every pattern although it passed validation".
func TestMatrixShowsTheOracleAsReference(t *testing.T) {
	r := resultstest.Result([]resultstest.Spec{
		{Workload: "point/c", Store: "memory", Kinds: []string{"read"}, OpsPerSec: 500000, P50Us: 1, Embedded: true},
		{Workload: "point/c", Store: "sqlite", Kinds: []string{"read"}, OpsPerSec: 50000, P50Us: 20, Embedded: true},
	}, 1)
	r.Cells[0].Oracle = true
	m := newModel([]*results.Result{r}, Options{})
	for _, pr := range m.rec.Patterns {
		for _, c := range pr.Excluded {
			if c.Store != "memory" {
				continue
			}
			if cell := excludedCell(c); cell.Kind != "reference" || cell.Text != "reference" {
				t.Errorf("memory's grid cell %+v, want reference", cell)
			}
			return
		}
	}
	t.Fatal("memory not among the contenders left unranked")
}
