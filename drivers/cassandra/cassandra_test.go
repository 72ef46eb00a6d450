package cassandra_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/cassandra"
	"github.com/storefit/storefit/drivers/drivertest"
	"github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/workloads/point"
	"github.com/storefit/storefit/workloads/wide"
)

// requireServers reports whether missing servers fail tests instead of
// skipping them (STOREFIT_REQUIRE_SERVERS=1, set by CI).
func requireServers() bool { return os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" }

// serverDSN returns the DSN of the test server from
// STOREFIT_CASSANDRA_DSN, and skips the test without it (fails under
// STOREFIT_REQUIRE_SERVERS=1).
func serverDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("STOREFIT_CASSANDRA_DSN")
	if dsn == "" {
		if requireServers() {
			t.Fatal("STOREFIT_CASSANDRA_DSN is not set and STOREFIT_REQUIRE_SERVERS=1: start a server with compose/native/cassandra.sh start")
		}
		t.Skip("STOREFIT_CASSANDRA_DSN not set (compose/native/cassandra.sh start prints one)")
	}
	// The tests use a keyspace of their own, so they never empty the
	// tables of a benchmark run against the same server.
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("STOREFIT_CASSANDRA_DSN: %v", err)
	}
	u.Path = "/storefit_test"
	return u.String()
}

func open(t *testing.T, dsn string) drivers.Conn {
	t.Helper()
	c, err := cassandra.Driver{}.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	dsn := serverDSN(t)
	drivertest.Run(t, func() drivers.Conn { return open(t, dsn) })
}

// wideOnly shows drivertest only the wide pattern of a Conn.
type wideOnly struct {
	drivers.Conn
	wide.Provider
}

// TestConformanceWithoutCount runs the wide checks with widecount=none:
// no index, no wide.Counter (wide/mix skips, wide/rows runs).
func TestConformanceWithoutCount(t *testing.T) {
	dsn := withOption(serverDSN(t), "widecount=none")
	drivertest.Run(t, func() drivers.Conn {
		c := open(t, dsn)
		return wideOnly{c, c.(wide.Provider)}
	})
	c := open(t, dsn)
	defer c.Close()
	s, err := c.(wide.Provider).WideStore(wide.Schema{Table: "nocount", Columns: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(wide.Counter); ok {
		t.Error("widecount=none store implements wide.Counter")
	}
}

// pointOnly shows drivertest only the point pattern of a Conn.
type pointOnly struct {
	drivers.Conn
	point.Provider
}

// TestConformanceCheckedWrites runs the point checks with
// point_writes=checked: updates and deletes of missing keys answer
// drivers.ErrNotFound, as the oracle's (the default, blind writes, is
// checked by TestConformance without missing keys).
func TestConformanceCheckedWrites(t *testing.T) {
	dsn := withOption(serverDSN(t), "point_writes=checked")
	drivertest.Run(t, func() drivers.Conn {
		c := open(t, dsn)
		return pointOnly{c, c.(point.Provider)}
	})
	for _, tc := range []struct {
		dsn   string
		blind bool
	}{{serverDSN(t), true}, {dsn, false}} {
		c := open(t, tc.dsn)
		s, err := c.(point.Provider).PointStore(point.Schema{Table: "usertable", FieldCount: 10})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.(point.BlindWriter).BlindWrites(); got != tc.blind {
			t.Errorf("%s: blind writes %v", tc.dsn, got)
		}
		if got := drivers.Settings(c)["point_writes"]; strings.HasPrefix(got, "blind") != tc.blind {
			t.Errorf("%s: settings say %q", tc.dsn, got)
		}
		c.Close()
	}
}

// A wide mix that counts nothing (wide/rows) keeps no count table: its
// writes are plain.
func TestWideUncounted(t *testing.T) {
	c := open(t, serverDSN(t))
	defer c.Close()
	s, err := c.(wide.Provider).WideStore(wide.Schema{Table: "uncounted", Columns: 10, Uncounted: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(wide.Counter); ok {
		t.Error("a store for a mix without counts implements wide.Counter")
	}
}

// withOption adds a query option to a DSN.
func withOption(dsn, opt string) string {
	if strings.Contains(dsn, "?") {
		return dsn + "&" + opt
	}
	return dsn + "?" + opt
}

func TestVersion(t *testing.T) {
	c := open(t, withOption(serverDSN(t), "consistency=one"))
	defer c.Close()
	v := drivers.Version(context.Background(), c)
	if !regexp.MustCompile(`^Cassandra \d+\.\d+\.\d+.* \(consistency ONE\)$`).MatchString(v) {
		t.Errorf("version %q, want Cassandra x.y.z (consistency ONE)", v)
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

func TestOpenUnreachable(t *testing.T) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
	start := time.Now()
	_, err := drivers.Open(context.Background(), "cassandra", "cassandra://bob:hunter2-secret@"+addr+"/ks?connect_timeout=2s")
	if err == nil {
		t.Fatal("Open succeeded")
	}
	msg := err.Error()
	t.Logf("error after %v: %s", time.Since(start).Round(time.Millisecond), msg)
	if strings.Contains(msg, "\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	if !strings.Contains(msg, "cassandra") || !strings.Contains(msg, addr) {
		t.Errorf("error does not name store and address %s: %q", addr, msg)
	}
	if strings.Contains(msg, "hunter2-secret") {
		t.Errorf("error shows the password: %q", msg)
	}
	if !strings.Contains(msg, "refused") {
		t.Errorf("error does not say the connection was refused: %q", msg)
	}
}

// TestOpenCancelled checks that Open gives up when its context ends,
// with an error errors.Is recognizes.
func TestOpenCancelled(t *testing.T) {
	// A listener that accepts and never answers: the CQL handshake hangs.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = cassandra.Driver{}.Open(ctx, "cassandra://"+l.Addr().String()+"/ks?connect_timeout=30s")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Open past its deadline: %v", err)
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
	if err := s.Setup(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Read(ctx, []byte("k"), nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("read with a cancelled context: %v", err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if err := s.Insert(ctx, []byte("k"), [][]byte{[]byte("v")}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("insert past its deadline: %v", err)
	} else if msg := err.Error(); !strings.Contains(msg, "cassandra at ") || strings.Contains(msg, "\n") {
		t.Errorf("error is not one line naming the server: %q", msg)
	}
}

// TestNames checks that table names are checked before they reach a
// statement.
func TestNames(t *testing.T) {
	c := open(t, serverDSN(t))
	defer c.Close()
	for _, name := range []string{"", "a-b", `x"; DROP KEYSPACE storefit; --`, strings.Repeat("t", 39)} {
		if _, err := c.(point.Provider).PointStore(point.Schema{Table: name, FieldCount: 1}); err == nil {
			t.Errorf("point table %q accepted", name)
		}
		if _, err := c.(wide.Provider).WideStore(wide.Schema{Table: name, Columns: 1}); err == nil {
			t.Errorf("wide table %q accepted", name)
		}
	}
}

// TestWideCountSAI checks the counts of widecount=sai (a storage-attached
// index instead of the column table) against the memory oracle, after a
// load and after sets and deletes that add, overwrite and remove cells.
// (The whole wide suite passes with it too, but its slow counts would
// double the package's test time.)
func TestWideCountSAI(t *testing.T) {
	c := open(t, withOption(serverDSN(t), "widecount=sai"))
	defer c.Close()
	oracle, err := memory.Driver{}.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer oracle.Close()
	ctx := context.Background()
	schema := wide.Schema{Table: "prefs_sai", Columns: 8, ValueLength: 4}
	var stores [2]wide.Store
	for i, conn := range []drivers.Conn{c, oracle} {
		s, err := conn.(wide.Provider).WideStore(schema)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		var rows []wide.Row
		for id := range int64(50) {
			r := wide.Row{ID: id}
			for col := range 8 {
				if (id+1)%int64(col+1) == 0 {
					r.Cols = append(r.Cols, col)
					r.Values = append(r.Values, []byte(fmt.Sprint(id)))
				}
			}
			rows = append(rows, r)
		}
		if err := s.LoadRows(ctx, rows); err != nil {
			t.Fatal(err)
		}
		stores[i] = s
	}
	compare := func(when string) {
		t.Helper()
		for col := range 8 {
			n1, e1 := stores[0].(wide.Counter).CountRowsWith(ctx, col)
			n2, e2 := stores[1].(wide.Counter).CountRowsWith(ctx, col)
			if e1 != nil || e2 != nil || n1 != n2 {
				t.Errorf("%s: count of column %d: %d, %v; oracle %d, %v", when, col, n1, e1, n2, e2)
			}
		}
	}
	compare("after the load")
	if n, _ := stores[0].(wide.Counter).CountRowsWith(ctx, 0); n != 50 {
		t.Errorf("column 0 counted %d times, want 50", n)
	}
	for i := range 60 {
		id, col := int64(i*7%53), i%8
		for _, s := range stores {
			var err error
			if i%3 == 0 {
				err = s.DeleteColumn(ctx, id, col)
			} else {
				err = s.SetColumns(ctx, id, []int{col, (col + 3) % 8}, [][]byte{[]byte("a"), []byte("b")})
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	compare("after sets and deletes")
}
