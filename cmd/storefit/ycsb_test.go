package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storefit/storefit/results"
)

// storefit run -P reads a YCSB property file unchanged: workloada runs as
// point/a with its record and operation counts; flags win over the file's
// Client properties, and ignored properties are named without their values.
func TestRunYCSBPropertyFile(t *testing.T) {
	dir := t.TempDir()
	wa, err := filepath.Abs("../../workloads/point/testdata/workloada")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "r.json")
	_, stderr, code := storefit(t, dir, "run", "-P", wa, "-p", "threadcount=3", "-p", "jdbc.passwd=hunter2",
		"--workers", "2", "--store", "memory", "--warmup", "0", "--out", out, "--progress", "lines")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"workload point/a", "ignoring jdbc.passwd: not CoreWorkload or Client properties"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "hunter2") {
		t.Errorf("a binding property's value was printed:\n%s", stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res results.Result
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	if c.Workload != "point/a" || c.Status != results.StatusOK {
		t.Fatalf("cell %s %s (%s), want point/a ok", c.Workload, c.Status, c.Error)
	}
	if c.Params.Ops != 1000 || c.Params.DurationSeconds != 0 || c.Params.Workers != 2 {
		t.Errorf("params %+v, want 1000 ops without a time limit on 2 workers (--workers over threadcount)", c.Params)
	}
	if c.Run.Ops+c.Run.Errors != 1000 {
		t.Errorf("%d operations measured, want operationcount=1000", c.Run.Ops+c.Run.Errors)
	}
	if r, ok := c.Settings["records"].(float64); !ok || r != 1000 {
		t.Errorf("records %v, want recordcount=1000", c.Settings["records"])
	}

	_, stderr, code = storefit(t, dir, "run", "-P", wa, "--workload", "point/a", "--store", "memory")
	if code != 2 || !strings.Contains(stderr, "give no --workload or --suite") {
		t.Errorf("-P with --workload: exit %d, %s", code, stderr)
	}
	_, stderr, code = storefit(t, dir, "run", "-P", wa, "-p", "fieldlengthdistribution=zipfian", "--store", "memory")
	if code != 2 || !strings.Contains(stderr, "constant length") {
		t.Errorf("unsupported field lengths: exit %d, %s", code, stderr)
	}
}
