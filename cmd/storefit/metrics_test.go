package main

import (
	"bufio"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// storefit run --metrics-addr serves Prometheus metrics during the run.
func TestRunMetricsAddr(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binary, "run", "--workload", "point/c", "--store", "memory", "--set", "records=1000",
		"--duration", "3s", "--warmup", "0", "--metrics-addr", "127.0.0.1:0", "--progress", "lines",
		"--out", filepath.Join(dir, "r.json"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	url := ""
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "metrics at "); ok {
			url = u
			break
		}
	}
	if url == "" {
		cmd.Wait()
		t.Fatal("no 'metrics at' line on stderr")
	}
	go io.Copy(io.Discard, stderr)
	// Scrape until the run has reported a phase (on a busy machine the
	// endpoint is up before the first cell starts).
	var body []byte
	for range 300 {
		resp, err := http.Get(url)
		if err != nil {
			break // the run is over and its endpoint closed
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), `storefit_phase{phase="`) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{`storefit_phase{phase="`, `storefit_build_info{`, "process_cpu_seconds_total"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("scrape lacks %s:\n%s", want, body)
		}
	}
	_, stderrText, code := storefit(t, dir, "run", "--workload", "point/c", "--store", "memory", "--metrics-addr", "127.0.0.1:-1")
	if code != 2 || !strings.Contains(stderrText, "--metrics-addr") {
		t.Errorf("bad address: exit %d, %s", code, stderrText)
	}
}
