package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/storefit/storefit/results"
)

// nativeServer starts a server of its own with compose/native/NAME.sh, on
// a free port in a temporary STOREFIT_NATIVE_DIR (set for the test, so
// storefit's faults find it), and stops it at the end. It skips without
// the server's binary (fails under STOREFIT_REQUIRE_SERVERS=1).
func startNative(t *testing.T, name, binary string) (dsn string, script func(action string) string) {
	t.Helper()
	if _, err := os.Stat(binary); err != nil {
		if _, err := exec.LookPath(binary); err != nil {
			if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
				t.Fatalf("%s is not installed and STOREFIT_REQUIRE_SERVERS=1", binary)
			}
			t.Skipf("%s is not installed", binary)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	compose, _ := filepath.Abs("../../compose")
	// Not t.TempDir(): its parent is private, and postgres runs as its
	// own user when the tests run as root.
	native, err := os.MkdirTemp("", "storefit-native-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(native, 0o755)
	t.Cleanup(func() { os.RemoveAll(native) })
	t.Setenv(composeDirEnv, compose)
	t.Setenv("STOREFIT_NATIVE_DIR", native)
	t.Setenv("STOREFIT_"+strings.ToUpper(name)+"_PORT", strconv.Itoa(port))
	script = func(action string) string {
		var out, errb bytes.Buffer
		c := exec.Command("bash", filepath.Join(compose, "native", name+".sh"), action)
		c.Stdout, c.Stderr = &out, &errb
		if err := c.Run(); err != nil && action != "pid" {
			t.Fatalf("%s.sh %s: %v\n%s", name, action, err, errb.String())
		}
		return strings.TrimSpace(out.String())
	}
	t.Cleanup(func() { script("stop") })
	return script("start"), script
}

// processState returns the state letter of a process (R, S, T for
// stopped, …), "" if it does not exist.
func processState(pid string) string {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return ""
	}
	i := bytes.LastIndexByte(b, ')')
	return strings.Fields(string(b[i+1:]))[0]
}

// faultRun runs point/c for d against store=dsn with the faults and
// returns the result.
func faultRun(t *testing.T, store, dsn, d string, faults ...string) *results.Result {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	args := []string{"run", "-q", "--workload", "point/c", "--store", store + "=" + dsn, "--records", "2000", "--workers", "2",
		"--duration", d, "--warmup", "500ms", "--out", out}
	for _, f := range faults {
		args = append(args, "--fault", f)
	}
	_, stderr, code := storefit(t, dir, args...)
	r, err := results.ReadFile(out)
	if err != nil {
		t.Fatalf("exit %d, no result: %v\n%s", code, err, stderr)
	}
	if r.Cells[0].Run == nil {
		t.Fatalf("no run: %s: %s\n%s", r.Cells[0].Status, r.Cells[0].Error, stderr)
	}
	return r
}

// checkWindow checks a fault's record: its kind, a window where it was
// asked for, and the throughput inside it.
func checkWindow(t *testing.T, r *results.Result, kind string, at, length float64) results.Fault {
	t.Helper()
	run := r.Cells[0].Run
	if len(run.Faults) != 1 {
		t.Fatalf("faults: %+v", run.Faults)
	}
	f := run.Faults[0]
	if f.Kind != kind || f.Error != "" || f.StartSeconds < at-0.05 || f.StartSeconds > at+1 || f.EndSeconds < at+length || f.EndSeconds > at+length+10 {
		t.Errorf("fault %+v, want %s from %.0f s for %.0f s", f, kind, at, length)
	}
	if f.PreFaultOpsPerSec <= 0 {
		t.Errorf("no throughput before the fault: %+v", f)
	}
	// A whole second inside the window served (almost) nothing.
	if s := int(f.StartSeconds) + 1; s < int(f.EndSeconds) && s < len(run.Intervals) && run.Intervals[s].OpsPerSec > 0.05*f.PreFaultOpsPerSec {
		t.Errorf("second %d, inside the fault, served %.0f ops/s (%.0f before)", s, run.Intervals[s].OpsPerSec, f.PreFaultOpsPerSec)
	}
	var per []string
	for _, iv := range run.Intervals {
		per = append(per, strconv.FormatFloat(iv.OpsPerSec, 'f', 0, 64))
	}
	t.Logf("%s: %s (%.0f ops/s before); ops/s per second: %s", r.Cells[0].Store, f.Label(), f.PreFaultOpsPerSec, strings.Join(per, " "))
	return f
}

// servedAgain checks that the store served again after the fault: a whole
// second after its window at half the throughput before it at least. (The
// 90% of the recorded recovery is for the report; on a shared machine a
// test cannot count on it within the phase.)
func servedAgain(t *testing.T, r *results.Result, f results.Fault) {
	t.Helper()
	for _, iv := range r.Cells[0].Run.Intervals {
		if float64(iv.T) >= f.EndSeconds && iv.OpsPerSec >= 0.5*f.PreFaultOpsPerSec {
			if f.RecoveredAtSeconds == nil {
				t.Logf("served again from second %d, though not at 90%% of before", iv.T)
			}
			return
		}
	}
	t.Errorf("the store did not serve again after the fault: %+v", f)
}

// Faults injected into a real Redis started by compose/native: a pause is
// ridden out and recovered from, and the server runs on, not stopped; a
// kill and a restart-empty restart it (empty: Redis here keeps nothing on
// disk, so the reads that follow miss, and the store is not recovered).
func TestFaultsRedis(t *testing.T) {
	dsn, script := startNative(t, "redis", "redis-server")
	pid := script("pid")

	r := faultRun(t, "redis", dsn, "7s", "pause@2s+2s")
	f := checkWindow(t, r, "pause", 2, 2)
	servedAgain(t, r, f)
	if st := processState(pid); st == "T" || st == "" || script("pid") != pid {
		t.Errorf("after the pause: redis pid %s state %q", pid, st)
	}

	r = faultRun(t, "redis", dsn, "7s", "kill@2s+1s")
	checkWindow(t, r, "kill", 2, 1)
	if p := script("pid"); p == "" || p == pid {
		t.Errorf("after the kill: pid %q, was %s: not restarted", p, pid)
	}
	if k := r.Cells[0].Run.Kinds[0]; k.Errors["not_found"] == 0 {
		t.Errorf("reads after the restart found their keys: %+v", k.Errors)
	}

	r = faultRun(t, "redis", dsn, "7s", "restart-empty@2s")
	checkWindow(t, r, "restart-empty", 2, 0)
	if script("pid") == "" {
		t.Error("redis does not run after restart-empty")
	}
}

// Faults injected into a real PostgreSQL started by compose/native: a pause
// (of the postmaster and every backend) and a kill, after which the server
// restarts with its data and the store recovers.
func TestFaultsPostgres(t *testing.T) {
	dsn, script := startNative(t, "postgres", "/usr/lib/postgresql/15/bin/initdb")
	pid := script("pid")

	r := faultRun(t, "postgres", dsn, "7s", "pause@2s+1s")
	f := checkWindow(t, r, "pause", 2, 1)
	servedAgain(t, r, f)
	if st := processState(pid); st == "T" || st == "" {
		t.Errorf("after the pause: postmaster %s state %q", pid, st)
	}

	r = faultRun(t, "postgres", dsn, "14s", "kill@2s+1s")
	f = checkWindow(t, r, "kill", 2, 1)
	servedAgain(t, r, f)
	if p := script("pid"); p == "" || p == pid {
		t.Errorf("after the kill: pid %q, was %s: not restarted", p, pid)
	}
	if v := r.Cells[0].Validation; v == nil || v.Status != results.ValidationPassed {
		t.Errorf("validation %+v", v)
	}
}
