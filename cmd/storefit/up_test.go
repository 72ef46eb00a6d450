package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/storefit/storefit/results"
)

// execute runs the storefit command line args and returns its stdout.
func execute(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// fakeCompose makes a compose dir whose native scripts log their calls to
// dir/calls and print a DSN, and points STOREFIT_COMPOSE_DIR at it.
func fakeCompose(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	native := filepath.Join(dir, "native")
	if err := os.MkdirAll(native, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(native, "lib.sh"), []byte("# helpers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		script := `echo "$(basename "$0") $1" >>"` + dir + `/calls"
case $1 in
start) echo "starting" >&2; echo "` + n + `://u:it's@127.0.0.1:1/x" ;;
stop) ;;
pid) [ "` + n + `" = alpha ] && echo 4242 || exit 1 ;;
*) exit 3 ;;
esac
`
		if n == "broken" {
			script = "echo 'broken: no package for you' >&2; exit 1\n"
		}
		if err := os.WriteFile(filepath.Join(native, n+".sh"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(composeDirEnv, dir)
	return dir
}

func calls(t *testing.T, dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "calls"))
	return string(b)
}

func TestUpDown(t *testing.T) {
	dir := fakeCompose(t, "alpha", "beta-db", "broken")
	for _, tc := range []struct {
		args      []string
		out       string
		calls     string
		errSubstr string
		usage     bool
	}{
		// A server whose script tells its pid gets STOREFIT_<NAME>_PID
		// too, which run measures the server by; beta-db's does not.
		{args: []string{"up", "alpha"}, out: `export STOREFIT_ALPHA_DSN='alpha://u:it'\''s@127.0.0.1:1/x'` + "\n" + `export STOREFIT_ALPHA_PID='4242'` + "\n", calls: "alpha.sh start\nalpha.sh pid\n"},
		{args: []string{"up", "--format", "plain", "alpha", "beta-db"}, out: "alpha=alpha://u:it's@127.0.0.1:1/x\nbeta-db=beta-db://u:it's@127.0.0.1:1/x\n", calls: "alpha.sh start\nbeta-db.sh start\n"},
		{args: []string{"up", "beta-db"}, out: `export STOREFIT_BETA_DB_DSN='beta-db://u:it'\''s@127.0.0.1:1/x'` + "\n", calls: "beta-db.sh start\nbeta-db.sh pid\n"},
		{args: []string{"up", "mongo"}, errSubstr: `unknown server "mongo" (known: alpha, beta-db, broken;`, usage: true},
		{args: []string{"up", "alpha", "mongo"}, errSubstr: `unknown server "mongo"`, usage: true}, // nothing started
		{args: []string{"up", "--format", "json", "alpha"}, errSubstr: "--format", usage: true},
		{args: []string{"up", "broken"}, errSubstr: "up broken: " + filepath.Join(dir, "native", "broken.sh") + " start failed (exit status 1)"},
		{args: []string{"down", "beta-db"}, calls: "beta-db.sh stop\n"},
		{args: []string{"down"}, calls: "alpha.sh stop\nbeta-db.sh stop\n", errSubstr: "down broken"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			os.Remove(filepath.Join(dir, "calls"))
			out, err := execute(t, tc.args...)
			if tc.errSubstr == "" && err != nil {
				t.Fatalf("error: %v", err)
			}
			if tc.errSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errSubstr) {
					t.Fatalf("error %v, want one containing %q", err, tc.errSubstr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error is not one line: %q", err)
				}
				var ue usageError
				if errors.As(err, &ue) != tc.usage {
					t.Errorf("usage error = %v, want %v", !tc.usage, tc.usage)
				}
			}
			if out != tc.out {
				t.Errorf("stdout %q, want %q", out, tc.out)
			}
			if got := calls(t, dir); got != tc.calls {
				t.Errorf("calls %q, want %q", got, tc.calls)
			}
		})
	}
}

func TestFindComposeDir(t *testing.T) {
	repo := t.TempDir()
	if err := os.MkdirAll(filepath.Join(repo, "compose", "native"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "compose", "native", "lib.sh"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(repo, "results", "deep")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(composeDirEnv, "")
	t.Chdir(sub)
	got, err := findComposeDir()
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := filepath.EvalSymlinks(filepath.Join(repo, "compose")); got != want && got != filepath.Join(repo, "compose") {
		t.Errorf("findComposeDir() = %s, want %s", got, want)
	}
	t.Setenv(composeDirEnv, sub)
	if _, err := findComposeDir(); err == nil || !strings.Contains(err.Error(), composeDirEnv) {
		t.Errorf("with a bad $%s: %v", composeDirEnv, err)
	}
}

// TestUpRedisNative starts the real compose/native/redis.sh on a free port
// twice (the second start must find the first server), then stops it. It
// needs redis-server installed: skipped without, failed under
// STOREFIT_REQUIRE_SERVERS=1.
func TestUpRedisNative(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
			t.Fatal("redis-server is not installed and STOREFIT_REQUIRE_SERVERS=1")
		}
		t.Skip("redis-server is not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	native := t.TempDir()
	t.Setenv("STOREFIT_NATIVE_DIR", native)
	t.Setenv("STOREFIT_REDIS_PORT", strconv.Itoa(port))
	t.Setenv("STOREFIT_REDIS_PASSWORD", "p@ss word")
	t.Setenv(composeDirEnv, "")
	t.Chdir("../..") // the checkout's root: compose/ is found from the working directory
	t.Cleanup(func() { execute(t, "down", "redis") })

	want := "redis=redis://:p%40ss%20word@127.0.0.1:" + strconv.Itoa(port) + "/0\n"
	var pid string
	for i := range 2 {
		out, err := execute(t, "up", "--format", "plain", "redis")
		if err != nil {
			t.Fatalf("up #%d: %v", i+1, err)
		}
		if out != want {
			t.Fatalf("up #%d printed %q, want %q", i+1, out, want)
		}
		b, err := os.ReadFile(filepath.Join(native, "redis", "redis.pid"))
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 && strings.TrimSpace(string(b)) != pid {
			t.Fatalf("second up started another server: pid %s, was %s", b, pid)
		}
		pid = strings.TrimSpace(string(b))
	}
	// The password is required, and not on the command line.
	cmdline, _ := os.ReadFile("/proc/" + pid + "/cmdline")
	if bytes.Contains(cmdline, []byte("p@ss")) {
		t.Errorf("the password shows in the server's command line: %q", cmdline)
	}
	if _, err := execute(t, "down", "redis"); err != nil {
		t.Fatalf("down: %v", err)
	}
	if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
		c.Close()
		t.Errorf("redis still answers on port %d after down", port)
	}
	if _, err := os.Stat(filepath.Join(native, "redis")); !os.IsNotExist(err) {
		t.Errorf("data directory left after down: %v", err)
	}
	if _, err := execute(t, "down", "redis"); err != nil {
		t.Errorf("second down: %v", err)
	}
}

func TestParseMiB(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"512MiB", 512, true}, {"512m", 512, true}, {"512MB", 512, true},
		{"2GiB", 2048, true}, {"2g", 2048, true},
		{"", 0, false}, {"MiB", 0, false}, {"0MiB", 0, false}, {"512", 0, false},
		{"1.5GiB", 0, false}, {"512KiB", 0, false}, {"-1g", 0, false},
	} {
		got, err := parseMiB(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseMiB(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestUpMemoryRefused: --memory is refused, before anything starts, for a
// size it cannot read and for a server whose script takes no bound.
func TestUpMemoryRefused(t *testing.T) {
	t.Setenv(composeDirEnv, "")
	t.Chdir("../..")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"up", "--memory", "lots", "redis"}, "give a size"},
		{[]string{"up", "--memory", "1GiB", "redis", "influx"}, "influx takes no memory bound"},
	} {
		_, err := execute(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want one containing %q", tt.args, err, tt.want)
		}
	}
}

// TestUpRedisMemoryBound starts the real compose/native/redis.sh under a
// memory bound of 16 MiB and runs point/a on it: a data set that fits is
// measured with the bound recorded in the result (read from the server), a
// data set of about 40 MB fails its load with Redis's out-of-memory error
// instead of losing keys. It needs redis-server installed: skipped without,
// failed under STOREFIT_REQUIRE_SERVERS=1.
func TestUpRedisMemoryBound(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
			t.Fatal("redis-server is not installed and STOREFIT_REQUIRE_SERVERS=1")
		}
		t.Skip("redis-server is not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	t.Setenv("STOREFIT_NATIVE_DIR", t.TempDir())
	t.Setenv("STOREFIT_REDIS_PORT", strconv.Itoa(port))
	t.Setenv("STOREFIT_REDIS_PASSWORD", "")
	t.Setenv(composeDirEnv, "")
	t.Chdir("../..")
	t.Cleanup(func() { execute(t, "down", "redis") })

	out, err := execute(t, "up", "--format", "plain", "--memory", "16MiB", "redis")
	if err != nil {
		t.Fatal(err)
	}
	dsn := strings.TrimPrefix(strings.TrimSpace(out), "redis=")
	if _, err := execute(t, "up", "redis"); err == nil || !strings.Contains(err.Error(), "failed") {
		t.Errorf("up without --memory reused the bounded server: %v", err)
	}

	dir := t.TempDir()
	run := func(records string) (int, results.Cell) {
		t.Helper()
		res := filepath.Join(dir, records+".json")
		_, stderr, code := storefit(t, dir, "run", "--workload", "point/a", "--store", "redis="+dsn, "--records", records,
			"--ops", "2000", "--warmup", "0s", "--workers", "2", "--quiet", "--out", res)
		r, err := results.ReadFile(res)
		if err != nil || len(r.Cells) != 1 {
			t.Fatalf("%s records: exit %d, %v: %s", records, code, err, stderr)
		}
		return code, r.Cells[0]
	}
	code, c := run("2000")
	if code != 0 || c.MemoryBound != "maxmemory 16 MiB, policy noeviction" {
		t.Errorf("2000 records: exit %d, memory bound %q, error %q; want 0 and maxmemory 16 MiB, policy noeviction", code, c.MemoryBound, c.Error)
	}
	code, c = run("40000")
	if code != 3 || !strings.Contains(c.Error, "OOM") || c.MemoryBound == "" {
		t.Errorf("40000 records (about 40 MB): exit %d, error %q, bound %q; want exit 3 and Redis's OOM error under the bound", code, c.Error, c.MemoryBound)
	}
}
