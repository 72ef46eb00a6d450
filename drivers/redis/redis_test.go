package redis_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/drivertest"
	"github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/drivers/redis"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/runner"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/point"
)

// requireServers reports whether missing servers fail tests instead of
// skipping them (STOREFIT_REQUIRE_SERVERS=1, set by CI).
func requireServers() bool { return os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" }

// serverDSN returns the DSN of the test server from STOREFIT_REDIS_DSN, and
// skips the test without it (fails under STOREFIT_REQUIRE_SERVERS=1).
func serverDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("STOREFIT_REDIS_DSN")
	if dsn == "" {
		if requireServers() {
			t.Fatal("STOREFIT_REDIS_DSN is not set and STOREFIT_REQUIRE_SERVERS=1: start a server with compose/native/redis.sh start")
		}
		t.Skip("STOREFIT_REDIS_DSN not set (compose/native/redis.sh start prints one)")
	}
	return dsn
}

func open(t *testing.T, dsn string) drivers.Conn {
	t.Helper()
	c, err := redis.Driver{}.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	dsn := serverDSN(t)
	drivertest.Run(t, func() drivers.Conn { return open(t, dsn) })
}

// TestConformanceWithoutIndexes runs the suite with the optional
// bookkeeping off: point without the scan index (point/e skips), wide
// without counts; and with checked point updates, which answer
// drivers.ErrNotFound for a missing key as the oracle does (the default,
// blind updates, is checked by TestConformance without missing keys).
func TestConformanceWithoutIndexes(t *testing.T) {
	dsn := serverDSN(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	dsn += sep + "scanindex=false&widecount=false&point_writes=checked"
	drivertest.Run(t, func() drivers.Conn { return open(t, dsn) })
}

// TestPointWrites: a blind update (the default) is one HSET, which creates
// a missing record; a checked one answers drivers.ErrNotFound. Results
// state which ran.
func TestPointWrites(t *testing.T) {
	dsn := serverDSN(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	ctx := context.Background()
	for _, tc := range []struct {
		dsn   string
		blind bool
	}{{dsn, true}, {dsn + sep + "point_writes=checked", false}} {
		c := open(t, tc.dsn)
		s, err := c.(point.Provider).PointStore(point.Schema{Table: "blindtest", FieldCount: 2})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		if got := s.(point.BlindWriter).BlindWrites(); got != tc.blind {
			t.Errorf("blind=%v: BlindWrites() = %v", tc.blind, got)
		}
		if got := drivers.Settings(c)["point_writes"]; strings.HasPrefix(got, "blind") != tc.blind {
			t.Errorf("blind=%v: settings say %q", tc.blind, got)
		}
		err = s.Update(ctx, []byte("missing"), []int{1}, [][]byte{[]byte("v")})
		got, rerr := s.Read(ctx, []byte("missing"), []int{1}, nil)
		if tc.blind {
			if err != nil || rerr != nil || len(got) != 1 || string(got[0]) != "v" {
				t.Errorf("blind update of a missing key: %v; read back %q, %v", err, got, rerr)
			}
		} else if !errors.Is(err, drivers.ErrNotFound) || !errors.Is(rerr, drivers.ErrNotFound) {
			t.Errorf("checked update of a missing key: %v; read: %v", err, rerr)
		}
		c.Close()
	}
}

// TestConformanceConnModes checks the connection modes of the DSN: a
// client per worker (the YCSB semantics) with netpoll and blocking I/O, and
// a shared client without auto-pipelining, with either I/O.
func TestConformanceConnModes(t *testing.T) {
	dsn := serverDSN(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	for _, opts := range []string{"conns=worker", "conns=worker&io=blocking", "pipelining=off", "pipelining=off&io=blocking"} {
		t.Run(opts, func(t *testing.T) {
			dsn := dsn + sep + opts
			drivertest.Run(t, func() drivers.Conn { return open(t, dsn) })
		})
	}
}

func TestVersion(t *testing.T) {
	c := open(t, serverDSN(t))
	defer c.Close()
	v := drivers.Version(context.Background(), c)
	if !strings.HasPrefix(v, "Redis ") || v == "Redis " {
		t.Errorf("version %q, want Redis x.y.z", v)
	}
}

// freePort returns a loopback port nothing listens on (as far as anyone
// can tell: it was free a moment ago).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// server is a redis-server this test started, on a port of its own.
type server struct {
	cmd  *exec.Cmd
	addr string
	once sync.Once
	done chan struct{}
}

// startServer starts a throw-away redis-server on a free loopback port,
// with password when not empty, and stops it at the end of the test. It
// skips the test when redis-server is not installed, unless
// STOREFIT_REQUIRE_SERVERS=1.
func startServer(t *testing.T, password string) *server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if requireServers() {
			t.Fatal("redis-server is not installed and STOREFIT_REQUIRE_SERVERS=1 (apt-get install redis-server)")
		}
		t.Skip("redis-server is not installed")
	}
	port := freePort(t)
	dir := t.TempDir()
	args := []string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--dir", dir, "--logfile", dir + "/redis.log"}
	if password != "" {
		conf := dir + "/redis.conf"
		if err := os.WriteFile(conf, []byte("requirepass "+password+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append([]string{conf}, args...)
	}
	s := &server{cmd: exec.Command(bin, args...), addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), done: make(chan struct{})}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.stop)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return s
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(dir + "/redis.log")
			t.Fatalf("redis-server exited: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s does not answer: %v", s.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the server and waits for it to exit.
func (s *server) stop() {
	s.once.Do(func() {
		s.cmd.Process.Kill()
		<-s.done
	})
}

// checkOpenError checks that err is one line naming the store and addr,
// without password.
func checkOpenError(t *testing.T, err error, addr, password string) {
	t.Helper()
	if err == nil {
		t.Fatal("Open succeeded")
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	if strings.Contains(msg, "\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	if !strings.Contains(msg, "redis") || !strings.Contains(msg, addr) {
		t.Errorf("error does not name store and address %s: %q", addr, msg)
	}
	if password != "" && strings.Contains(msg, password) {
		t.Errorf("error shows the password: %q", msg)
	}
}

func TestOpenUnreachable(t *testing.T) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
	_, err := drivers.Open(context.Background(), "redis", "redis://:hunter2-secret@"+addr+"/0")
	checkOpenError(t, err, addr, "hunter2-secret")
	if err != nil && !strings.Contains(err.Error(), "refused") {
		t.Errorf("error does not say the connection was refused: %v", err)
	}
}

func TestOpenWrongPassword(t *testing.T) {
	s := startServer(t, "right-password")
	for _, tc := range []struct{ name, dsn, password string }{
		{"wrong", "redis://:wrong-password@" + s.addr + "/0", "wrong-password"},
		{"missing", "redis://" + s.addr + "/0", ""},
		{"wrong user", "redis://nobody:right-password@" + s.addr + "/0", "right-password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := drivers.Open(context.Background(), "redis", tc.dsn)
			checkOpenError(t, err, s.addr, tc.password)
		})
	}
	c, err := drivers.Open(context.Background(), "redis", "redis://:right-password@"+s.addr+"/0")
	if err != nil {
		t.Fatalf("with the right password: %v", err)
	}
	c.Close()
}

// phaseWatch is a runner.Display that closes run when the measured phase
// starts.
type phaseWatch struct {
	once sync.Once
	run  chan struct{}
}

func (d *phaseWatch) StartPhase(label string, total int64, unit string) {
	if strings.HasPrefix(label, "run ") {
		d.once.Do(func() { close(d.run) })
	}
}
func (d *phaseWatch) Update(int64, runner.Status) {}
func (d *phaseWatch) EndPhase(string)             {}
func (d *phaseWatch) Logf(string, ...any)         {}
func (d *phaseWatch) started() <-chan struct{}    { return d.run }

// TestServerStopsMidRun kills the server during the measured phase of a
// point/b cell: the run must go on to its end with the failed operations
// counted, say why on one line naming the store and address, and keep the
// result of what ran before.
func TestServerStopsMidRun(t *testing.T) {
	s := startServer(t, "")
	disp := &phaseWatch{run: make(chan struct{})}
	go func() {
		select {
		case <-disp.started():
			time.Sleep(500 * time.Millisecond)
			s.stop()
		case <-s.done:
		}
	}()
	cell := runner.Cell{
		Workload: "point/b",
		Params:   workloads.Params{Seed: 1, Scale: workloads.Quick, Options: map[string]any{"records": 2000}},
		Store:    "redis",
		DSN:      "redis://" + s.addr + "/0",
		Config:   runner.Config{Workers: 2, Duration: 2 * time.Second, Timeout: time.Second, Loaders: 2},
	}
	res, err := runner.Run(context.Background(), runner.Plan{Cells: []runner.Cell{cell}}, runner.Options{Display: disp})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(res.Cells) != 1 {
		t.Fatalf("%d cells", len(res.Cells))
	}
	c := res.Cells[0]
	if c.Run == nil {
		t.Fatalf("no run result (status %s, error %q)", c.Status, c.Error)
	}
	r := c.Run
	t.Logf("status %s: %d ops, %d errors, %.0f ops/s", c.Status, r.Ops, r.Errors, r.OpsPerSec)
	if r.Ops == 0 || r.OpsPerSec == 0 {
		t.Errorf("no operations succeeded before the stop: the partial result is lost")
	}
	if r.Errors == 0 {
		t.Fatalf("no errors counted after the server stopped")
	}
	var samples []string
	for _, k := range r.Kinds {
		samples = append(samples, k.ErrorSamples...)
	}
	if len(samples) == 0 {
		t.Fatal("no error message kept")
	}
	for _, m := range samples {
		t.Logf("error sample: %s", m)
		if strings.Contains(m, "\n") || !strings.Contains(m, "redis") || !strings.Contains(m, s.addr) {
			t.Errorf("error %q is not one line naming redis and %s", m, s.addr)
		}
	}
	// Errors show in every second after the stop, not only in the total.
	last := r.Intervals[len(r.Intervals)-1]
	if last.Errors == 0 {
		t.Errorf("last interval has no errors: %+v", last)
	}
	var text strings.Builder
	if err := results.WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), fmt.Sprint(r.Errors)) {
		t.Errorf("the text report does not show the %d errors:\n%s", r.Errors, text.String())
	}
}

// BenchmarkPointRead measures the driver's point read (one HMGET of ten
// 100-byte fields, as point/c does) from GOMAXPROCS goroutines, without the
// runner: compare with `redis-benchmark -c N hmget …` and profile the
// client side with -cpuprofile.
func BenchmarkPointRead(b *testing.B) {
	dsn := os.Getenv("STOREFIT_REDIS_DSN")
	if dsn == "" {
		b.Skip("STOREFIT_REDIS_DSN not set")
	}
	c, err := redis.Driver{}.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	s, err := c.(point.Provider).PointStore(point.Schema{Table: "bench", FieldCount: 10, FieldLength: 100})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Setup(ctx); err != nil {
		b.Fatal(err)
	}
	const records = 10000
	recs := make([]point.Record, 0, 500)
	for n := range records {
		vals := make([][]byte, 10)
		for f := range vals {
			vals[f] = bytes.Repeat([]byte{byte('a' + f)}, 100)
		}
		recs = append(recs, point.Record{Key: []byte(fmt.Sprintf("user%d", n)), Values: vals})
		if len(recs) == cap(recs) {
			if err := s.Load(ctx, recs); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var dst [][]byte
		key := make([]byte, 0, 32)
		n := 0
		for pb.Next() {
			n = (n + 7919) % records
			key = strconv.AppendInt(append(key[:0], "user"...), int64(n), 10)
			var err error
			if dst, err = s.Read(ctx, key, nil, dst); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	s.Setup(ctx)
}

// TestPointNoFields compares reads and scans of no fields (fields = []int{})
// with the memory oracle: the keys, without values.
func TestPointNoFields(t *testing.T) {
	c := open(t, serverDSN(t))
	defer c.Close()
	oracle, _ := memory.Driver{}.Open(context.Background(), "")
	ctx := context.Background()
	schema := point.Schema{Table: "nofields", FieldCount: 2, FieldLength: 4}
	var stores [2]point.Store
	for i, conn := range []drivers.Conn{c, oracle} {
		s, err := conn.(point.Provider).PointStore(schema)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Load(ctx, []point.Record{{Key: []byte("a"), Values: [][]byte{[]byte("1"), []byte("2")}}, {Key: []byte("c"), Values: [][]byte{[]byte("3"), []byte("4")}}}); err != nil {
			t.Fatal(err)
		}
		stores[i] = s
	}
	defer stores[0].Setup(ctx)
	for _, k := range []string{"a", "b"} {
		v1, e1 := stores[0].Read(ctx, []byte(k), []int{}, nil)
		v2, e2 := stores[1].Read(ctx, []byte(k), []int{}, nil)
		if errors.Is(e1, drivers.ErrNotFound) != errors.Is(e2, drivers.ErrNotFound) || (e1 == nil) != (e2 == nil) || len(v1) != len(v2) {
			t.Errorf("read %s of no fields: %q, %v; oracle %q, %v", k, v1, e1, v2, e2)
		}
	}
	r1, e1 := stores[0].(point.Scanner).Scan(ctx, []byte("b"), 5, []int{}, nil)
	r2, e2 := stores[1].(point.Scanner).Scan(ctx, []byte("b"), 5, []int{}, nil)
	if e1 != nil || e2 != nil || len(r1) != 1 || len(r2) != 1 || string(r1[0].Key) != "c" || len(r1[0].Values) != len(r2[0].Values) {
		t.Errorf("scan of no fields: %v, %v; oracle %v, %v", r1, e1, r2, e2)
	}
}

// TestContextErrors checks that operations stopped by their context say so
// in a way errors.Is recognizes (the runner counts them as timeouts or
// cancellations, not as failures of the store).
func TestContextErrors(t *testing.T) {
	c := open(t, serverDSN(t))
	defer c.Close()
	s, err := c.(point.Provider).PointStore(point.Schema{Table: "ctxerr", FieldCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Read(ctx, []byte("k"), nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("read with a cancelled context: %v", err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if err := s.Update(ctx, []byte("k"), []int{0}, [][]byte{[]byte("v")}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("update past its deadline: %v", err)
	}
}
