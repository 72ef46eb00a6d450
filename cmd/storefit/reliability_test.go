package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/storefit/storefit/results"
)

// Issue 17: bad input found before anything runs, each one line and exit
// status 2: malformed DSNs (which used to run, print a table and exit 0
// with a failed cell), an --out that cannot be written (found only after
// measuring), 0 workers (silently 1), an option that does not parse (the
// error did not name it), duplicates in a suite, faults that cannot be.
func TestBadInputBeforeAnythingRuns(t *testing.T) {
	compose, _ := filepath.Abs("../../compose")
	t.Setenv(composeDirEnv, compose)
	t.Setenv("STOREFIT_MEMORY_AVAILABLE", "32MiB")
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	dup := filepath.Join(dir, "dup.yaml")
	os.WriteFile(dup, []byte("workloads: [point/a]\nstores: [memory, noop, memory]\n"), 0o644)
	run := []string{"run", "--workload", "point/c", "--duration", "1s", "--warmup", "0s"}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--store", "postgres=postgres://u:s3cr3t@h:notaport/db"}, "store postgres: bad DSN postgres://u:xxxxx@h:notaport/db: invalid port"},
		{[]string{"--store", "postgres=::::garbage"}, "store postgres: bad DSN"},
		{[]string{"--store", "postgres=postgres://u:s3cr3t@h:99999/db"}, "invalid port"},
		{[]string{"--store", "redis=http://%zz"}, "store redis: redis DSN"},
		{[]string{"--store", "redis=redis://127.0.0.1:99999/0"}, `port "99999" is not in 1..65535`},
		{[]string{"--store", "redis=:s3cr3t@127.0.0.1:6389"}, `redis DSN ":xxxxx@127.0.0.1:6389" is not a URL`},
		// A password with an unencoded '%': neither it nor its tail shows.
		{[]string{"--store", "postgres=postgres://u:s3cr3t%zzpw@127.0.0.1:1/db"}, "bad DSN postgres://u:xxxxx@127.0.0.1:1/db"},
		// Drivers added since (hbase, influx2) are checked before the run too.
		{[]string{"--store", "hbase=http://127.0.0.1:99999"}, `hbase DSN "http://127.0.0.1:99999": port "99999" is not in 1..65535`},
		{[]string{"--store", "influx2=http://127.0.0.1:8087?api=v1"}, "influx2 DSN"},
		{[]string{"--store", "memory", "--out", dir}, "is a directory; give a file name"},
		{[]string{"--store", "memory", "--out", filepath.Join(file, "r.json")}, "cannot create its directory"},
		{[]string{"--store", "memory", "--workers", "0"}, "workers must be at least 1, not 0"},
		{[]string{"--store", "memory", "--set", "records=abc"}, `option records: "abc" is not a whole number`},
		{[]string{"--store", "memory", "--fault", "pause@1s"}, "a pause needs a length"},
		{[]string{"--store", "memory", "--fault", "pause@200ms+100ms"}, `no server "memory"`},
		{[]string{"--store", "memory", "--set", "records=300000"}, "needs about"}, // with a budget of 32 MiB, below
	}
	for _, tt := range tests {
		args := append(append([]string{}, run...), tt.args...)
		stdout, stderr, code := storefit(t, dir, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tt.args, code, exitUsage, stderr)
		}
		if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 1 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: stderr %q, want one line containing %q", tt.args, stderr, tt.want)
		}
		if stdout != "" || strings.Contains(stderr, "s3cr3t") || strings.Contains(stderr, "zzpw") {
			t.Errorf("%v: stdout %q, stderr %q", tt.args, stdout, stderr)
		}
	}
	if _, stderr, code := storefit(t, dir, "run", "--suite", dup); code != exitUsage || !strings.Contains(stderr, "store memory is listed twice") {
		t.Errorf("duplicate store: exit %d, %s", code, stderr)
	}
	if os.Getuid() != 0 {
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o555)
		if _, stderr, code := storefit(t, dir, append(run, "--store", "memory", "--out", filepath.Join(ro, "r.json"))...); code != exitUsage || !strings.Contains(stderr, "cannot write in") {
			t.Errorf("read-only directory: exit %d, %s", code, stderr)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "results")); len(entries) != 0 {
		t.Errorf("bad input left results: %v", entries)
	}
}

// Issue 17: the default result name had one-second resolution and the
// rename replaced an existing file, so runs started in the same second
// left one file. Names now carry milliseconds and a run id.
func TestConcurrentRunsKeepTheirResults(t *testing.T) {
	dir := t.TempDir()
	const n = 4
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(binary, "run", "-q", "--workload", "point/c", "--store", "noop", "--ops", "100", "--warmup", "0s")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("run: %v\n%s", err, out)
			}
		}()
	}
	wg.Wait()
	files, _ := filepath.Glob(filepath.Join(dir, "results", "*.json"))
	if len(files) != n {
		t.Fatalf("%d runs left %d result files: %v", n, len(files), files)
	}
	ids := map[string]bool{}
	for _, f := range files {
		r := readResult(t, f)
		if r.RunID == "" || !strings.HasSuffix(f, "-"+r.RunID+".json") || ids[r.RunID] {
			t.Errorf("%s: run id %q", f, r.RunID)
		}
		ids[r.RunID] = true
	}
}

// Issue 17: SIGTERM was reported as "interrupted by the user". It is
// reported as SIGTERM, the partial result is written, and the exit status
// is 143 (128 + 15), as for any process a supervisor terminates.
func TestSIGTERM(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	cmd, wait := startRun(t, dir, "--workload", "point/c", "--store", "memory", "--records", "1000",
		"--duration", "1h", "--warmup", "0s", "--out", out)
	time.Sleep(time.Second)
	cmd.Process.Signal(syscall.SIGTERM)
	code, log := wait()
	if code != exitTerminated {
		t.Fatalf("exit %d, want %d:\n%s", code, exitTerminated, log)
	}
	r := readResult(t, out)
	if r.Complete || r.Interrupted != "terminated by SIGTERM" || r.Cells[0].Run == nil {
		t.Errorf("complete %v, interrupted %q", r.Complete, r.Interrupted)
	}
	if strings.Contains(log, "user") || !strings.Contains(log, "SIGTERM") {
		t.Errorf("stderr:\n%s", log)
	}
}

// Issue 17: a password in a DSN without "://" was printed on stdout and
// written into the result's dsn and error. The run below fails to connect
// (nothing listens on the port): the password must appear nowhere.
func TestPasswordsNeverShown(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	for _, store := range []string{
		"postgres=postgres://storefit:s3cr3tpw@127.0.0.1:1/db?connect_timeout=2",
		"postgres=host=127.0.0.1 port=1 user=storefit password='s3cr3tpw' dbname=db connect_timeout=2",
		"redis=redis://:s3cr3tpw@127.0.0.1:1/0?dial_timeout=2s",
	} {
		stdout, stderr, _ := storefit(t, dir, "run", "--workload", "point/c", "--store", store, "--duration", "1s", "--warmup", "0s", "--out", out)
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("%s: %v\n%s", store, err, stderr)
		}
		for where, text := range map[string]string{"stdout": stdout, "stderr": stderr, "result": string(data)} {
			if strings.Contains(text, "s3cr3tpw") {
				t.Errorf("%s: the password shows in %s:\n%s", store, where, text)
			}
		}
		r := readResult(t, out)
		if c := r.Cells[0]; c.Status != results.StatusFailed || !strings.Contains(c.DSN, "xxxxx") {
			t.Errorf("%s: cell %s, dsn %q", store, c.Status, c.DSN)
		}
	}
}

// Issue 17: when the result could not be written after measuring, the
// measurements were lost and the summary table was not printed. --out is
// checked before the run, but its place can still break during it (here
// its directory is replaced by a file): the table is printed, the result
// goes to the temporary directory, and storefit says where (exit 1).
func TestResultKeptWhenOutBreaksDuringTheRun(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	os.Mkdir(tmp, 0o755)
	outDir := filepath.Join(dir, "out")
	cmd := exec.Command(binary, "run", "--progress", "lines", "--workload", "point/c", "--store", "memory", "--records", "1000",
		"--duration", "2s", "--warmup", "0s", "--out", filepath.Join(outDir, "r.json"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := os.RemoveAll(outDir); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(outDir, []byte("not a directory"), 0o644)
	err := cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	if code != exitFailure {
		t.Errorf("exit %d (%v), want %d", code, err, exitFailure)
	}
	if !strings.Contains(stdout.String(), "point/c") {
		t.Errorf("no summary table on stdout:\n%s", stdout.String())
	}
	spares, _ := filepath.Glob(filepath.Join(tmp, "storefit-*.json"))
	if len(spares) != 1 || !strings.Contains(stderr.String(), spares[0]) {
		t.Fatalf("spare copies %v; stderr:\n%s", spares, stderr.String())
	}
	if r := readResult(t, spares[0]); len(r.Cells) != 1 || r.Cells[0].Run == nil || r.Cells[0].Run.Ops == 0 {
		t.Errorf("the spare result lost the measurements: %+v", r.Cells)
	}
}
