package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
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

// headless runs Debian's chromium headless on page with extra arguments
// (--screenshot=…, --dump-dom) and returns its standard output. No
// browser process outlives the call.
func headless(t *testing.T, bin, page string, args ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--hide-scrollbars", "--user-data-dir=" + filepath.Join(dir, "profile")}, args...)
	cmd := exec.Command(bin, append(all, "file://"+page)...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("chromium: %v\n%s", err, errb.String())
		}
	case <-time.After(90 * time.Second):
		killGroup(cmd)
		<-done
		t.Fatalf("chromium did not finish in 90 s\n%s", errb.String())
	}
	return out.Bytes()
}

// screenshot renders page at a window width, as tall as it takes to show as
// much of the page as 1400 × 3000 does, and returns the image; with
// STOREFIT_SCREENSHOT_DIR set it is kept there as report-<width>.png, to
// look at.
func screenshot(t *testing.T, bin, page string, width int) image.Image {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "shot.png")
	if dir := os.Getenv("STOREFIT_SCREENSHOT_DIR"); dir != "" {
		shot = filepath.Join(dir, fmt.Sprintf("report-%d.png", width))
	}
	headless(t, bin, page, "--screenshot="+shot, fmt.Sprintf("--window-size=%d,%d", width, 3000*1400/width))
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// The report opens in a headless browser and shows its plots: the
// screenshot is a real image, not blank, and has the plots' colours, on a
// phone's width as on a wide screen.
func TestHTMLRendersInChromium(t *testing.T) {
	bin := chromium(t)
	page := filepath.Join(t.TempDir(), "report.html")
	if err := WriteHTMLFile(page, resultstest.Sample(), sampleOptions()); err != nil {
		t.Fatal(err)
	}
	for _, width := range []int{400, 1400} {
		img := screenshot(t, bin, page, width)
		b := img.Bounds()
		if b.Dx() != width || b.Dy() < 2000 {
			t.Fatalf("screenshot %v at width %d", b, width)
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
		t.Logf("%d px: screenshot %v: luminance mean %.1f sd %.1f; %d matrix-green and %d bar-blue samples", width, b, mean, sd, green, blue)
		if sd < 20 {
			t.Errorf("%d px: screenshot looks blank: luminance sd %.1f", width, sd)
		}
		if green < 40 || blue < 40 {
			t.Errorf("%d px: screenshot lacks the plots' colours: %d green, %d blue samples", width, green, blue)
		}
	}
}

// layoutProbe measures the laid-out report in the browser and writes what
// it found into the parent page's DOM, which --dump-dom prints: the
// viewport and document widths, each figure's shown and natural width, and
// the right edge of every table, figure frame and section. It is added to a
// copy of the report only (the report itself runs no script), shown in an
// iframe of the width under test (a headless window is at least 500 px
// wide).
const layoutProbe = `<script>
(function () {
  var r = {w: window.innerWidth, doc: document.documentElement.scrollWidth, figs: [], right: 0};
  document.querySelectorAll("svg.plot").forEach(function (s) {
    r.figs.push({label: s.getAttribute("aria-label"), shown: s.getBoundingClientRect().width, natural: +s.getAttribute("width")});
  });
  document.querySelectorAll("table, figure, section").forEach(function (e) {
    r.right = Math.max(r.right, e.getBoundingClientRect().right);
  });
  var doc = window.parent.document;
  var out = doc.createElement("pre");
  out.id = "layout";
  out.textContent = JSON.stringify(r);
  doc.body.appendChild(out);
})();
</script>`

// The report's layout works from a phone's 400 px to wide screens: the
// page never scrolls sideways (tables and figures scroll in their frames),
// and no figure, the store × pattern matrix included, is shrunk below 70%
// of its size, where its labels would become unreadable.
func TestHTMLLayoutWidths(t *testing.T) {
	bin := chromium(t)
	var b bytes.Buffer
	rs := resultstest.Sample()
	rs[0].Label, rs[1].Label = "sample", "open-loop" // side by side: the widest tables
	if err := WriteHTML(&b, rs, sampleOptions()); err != nil {
		t.Fatal(err)
	}
	report := strings.Replace(b.String(), "</body>", layoutProbe+"</body>", 1)
	probe := regexp.MustCompile(`<pre id="layout">(.*?)</pre>`)
	for _, width := range []int{400, 800, 1400, 2560} {
		page := filepath.Join(t.TempDir(), "probe.html")
		frame := fmt.Sprintf(`<!DOCTYPE html><html><body style="margin:0"><iframe style="width:%dpx;height:2000px;border:0" srcdoc="%s"></iframe></body></html>`,
			width, template.HTMLEscapeString(report))
		if err := os.WriteFile(page, []byte(frame), 0o644); err != nil {
			t.Fatal(err)
		}
		dom := headless(t, bin, page, "--dump-dom", fmt.Sprintf("--window-size=%d,2000", width+100))
		m := probe.FindSubmatch(dom)
		if m == nil {
			t.Fatalf("%d px: no layout probe in the DOM", width)
		}
		var got struct {
			W, Doc float64
			Right  float64
			Figs   []struct {
				Label          string
				Shown, Natural float64
			}
		}
		if err := json.Unmarshal([]byte(html_unescape(string(m[1]))), &got); err != nil {
			t.Fatalf("%d px: %v", width, err)
		}
		if got.W != float64(width) {
			t.Errorf("viewport %v px, want %d", got.W, width)
		}
		if got.Doc > got.W || got.Right > got.W+0.5 {
			t.Errorf("%d px: the page is %v px wide, a frame ends at %v px: something is cut off", width, got.Doc, got.Right)
		}
		if len(got.Figs) == 0 {
			t.Fatalf("%d px: no figures", width)
		}
		for _, f := range got.Figs {
			if f.Shown < minFigureScale*f.Natural-1 {
				t.Errorf("%d px: figure %q shown %.0f px wide, %.0f%% of its %.0f px", width, f.Label, f.Shown, 100*f.Shown/f.Natural, f.Natural)
			}
		}
	}
}

// html_unescape undoes the entity escaping of --dump-dom's text.
func html_unescape(s string) string {
	return strings.NewReplacer("&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(s)
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

// Issue 17: faults are marked on the per-second plots with the time to
// recover; a stalled or partial run says so; the incomplete warning does
// not wrap its reason twice ("((interrupted by the user))"); a suite's
// name is never read as Markdown.
func TestFaultsStallsAndReasons(t *testing.T) {
	r := resultstest.Result([]resultstest.Spec{{Workload: "point/c", Store: "pg", OpsPerSec: 5000, P50Us: 100, Seconds: 20}}, 1)
	r.Suite = "[click](http://evil.example) *bold* <b>x</b> | y"
	r.Complete, r.Interrupted = false, "interrupted by Ctrl-C (SIGINT)"
	run := r.Cells[0].Run
	for i := 8; i < 11 && i < len(run.Intervals); i++ {
		run.Intervals[i].OpsPerSec, run.Intervals[i].Ops = 10, 10
	}
	f := results.Fault{Kind: "pause", Server: "postgres", AtSeconds: 8, ForSeconds: 2, StartSeconds: 8.01, EndSeconds: 10.02}
	f.SetRecovery(run.Intervals)
	run.Faults = []results.Fault{f}
	run.Stalled = &results.Stall{Ops: 2, OldestSeconds: 3.5, AfterSeconds: 1}
	if f.RecoverySeconds == nil {
		t.Fatalf("no recovery: %+v", f)
	}
	rs := []*results.Result{r}
	var b bytes.Buffer
	if err := WriteHTML(&b, rs, sampleOptions()); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{"Faults: pg: pause postgres 8.0–10.0 s, recovered in", "Result 1 is incomplete (interrupted by Ctrl-C (SIGINT))"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(html, "((interrupted") {
		t.Error("the reason is wrapped twice")
	}
	var timeline *Figure
	for _, fig := range Figures(rs, sampleOptions()) {
		if strings.HasPrefix(fig.Name, "timeline-") {
			timeline = fig
		}
	}
	if timeline == nil {
		t.Fatal("no timeline figure")
	}
	svg, err := timeline.SVG()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(svg), "back in") {
		t.Error("the timeline does not label the recovery")
	}
	b.Reset()
	if err := results.WriteMarkdown(&b, rs, sampleOptions().Pick); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if strings.Contains(md, "[click](") || strings.Contains(md, "<b>") || strings.Contains(md, "*bold*") {
		t.Errorf("the suite name is read as markup:\n%s", md)
	}
	for _, want := range []string{`\[click\]`, "STALLED", "fault: pause postgres"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	b.Reset()
	if err := results.WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"STALLED: 2 operations", "fault: pause postgres 8.0–10.0 s, recovered in"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
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
