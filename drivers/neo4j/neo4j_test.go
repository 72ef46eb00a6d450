package neo4j_test

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/drivertest"
	"github.com/storefit/storefit/drivers/neo4j"
	"github.com/storefit/storefit/workloads/graph"
)

// requireServers reports whether missing servers fail tests instead of
// skipping them (STOREFIT_REQUIRE_SERVERS=1, set by CI).
func requireServers() bool { return os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" }

// serverDSN returns the DSN of the test server from STOREFIT_NEO4J_DSN, and
// skips the test without it (fails under STOREFIT_REQUIRE_SERVERS=1).
func serverDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("STOREFIT_NEO4J_DSN")
	if dsn == "" {
		if requireServers() {
			t.Fatal("STOREFIT_NEO4J_DSN is not set and STOREFIT_REQUIRE_SERVERS=1: start a server with compose/native/neo4j.sh start")
		}
		t.Skip("STOREFIT_NEO4J_DSN not set (compose/native/neo4j.sh start prints one)")
	}
	return dsn
}

func open(t *testing.T, dsn string) drivers.Conn {
	t.Helper()
	c, err := neo4j.Driver{}.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	dsn := serverDSN(t)
	drivertest.Run(t, func() drivers.Conn { return open(t, dsn) })
}

func TestVersion(t *testing.T) {
	c := open(t, serverDSN(t))
	defer c.Close()
	v := drivers.Version(context.Background(), c)
	if !strings.HasPrefix(v, "Neo4j 5.") {
		t.Errorf("version %q, want Neo4j 5.x.y edition", v)
	}
	t.Logf("version %s", v)
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
	if !strings.Contains(msg, "neo4j") || !strings.Contains(msg, addr) {
		t.Errorf("error does not name store and address %s: %q", addr, msg)
	}
	if password != "" && strings.Contains(msg, password) {
		t.Errorf("error shows the password: %q", msg)
	}
}

// TestOpenUnreachable needs no server: nothing listens on the port.
func TestOpenUnreachable(t *testing.T) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := drivers.Open(ctx, "neo4j", "bolt://neo4j:hunter2-secret@"+addr)
	checkOpenError(t, err, addr, "hunter2-secret")
	if err != nil && !strings.Contains(err.Error(), "refused") {
		t.Errorf("error does not say the connection was refused: %v", err)
	}
}

// TestOpenNoDatabase asks for a database the server does not have.
func TestOpenNoDatabase(t *testing.T) {
	dsn := serverDSN(t)
	cfg, err := neo4j.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = "nosuchdatabase"
	_, err = neo4j.Connect(context.Background(), cfg)
	checkOpenError(t, err, cfg.Addr, cfg.Password)
	if err != nil && !strings.Contains(err.Error(), "no such database") {
		t.Errorf("error does not say the database is missing: %v", err)
	}
}

// TestContextErrors checks that operations stopped by their context say so
// in a way errors.Is recognizes (the runner counts them as timeouts or
// cancellations, not as failures of the store).
func TestContextErrors(t *testing.T) {
	c := open(t, serverDSN(t))
	defer c.Close()
	g, err := c.(graph.Provider).GraphStore(graph.Schema{Name: "ctxerr"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.Neighbours(ctx, 1, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("neighbours with a cancelled context: %v", err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if err := g.LoadEdges(ctx, []graph.Edge{{Src: 1, Dst: 2}}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("load past its deadline: %v", err)
	}
}

// TestBadNames checks that graph names that are not identifiers are
// refused before they reach Cypher.
func TestBadNames(t *testing.T) {
	c := open(t, serverDSN(t))
	defer c.Close()
	for _, name := range []string{"", "a b", "x`) DETACH DELETE (n", "1abc", "follows-2"} {
		if _, err := c.(graph.Provider).GraphStore(graph.Schema{Name: name}); err == nil {
			t.Errorf("graph name %q accepted", name)
		}
	}
}

// TestOpenWrongPassword runs when the test server's DSN has a password
// (compose/native/neo4j.sh with STOREFIT_NEO4J_PASSWORD set): a wrong or
// missing password is one line naming the store and address, without the
// password.
func TestOpenWrongPassword(t *testing.T) {
	cfg, err := neo4j.ParseConfig(serverDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Password == "" {
		t.Skip("the test server's DSN has no password")
	}
	for _, tc := range []struct{ name, user, password string }{
		{"wrong", cfg.Username, "wrong-password"},
		{"missing", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := cfg
			bad.Username, bad.Password = tc.user, tc.password
			_, err := neo4j.Connect(context.Background(), bad)
			checkOpenError(t, err, cfg.Addr, tc.password)
			if err != nil && !strings.Contains(err.Error(), "password") {
				t.Errorf("error does not point at the password: %v", err)
			}
		})
	}
}

// TestReadModes answers the same reads with auto-commit transactions (the
// default) and managed read transactions (reads=managed), and says which
// in the store settings results record.
func TestReadModes(t *testing.T) {
	dsn := serverDSN(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	ctx := context.Background()
	auto, managed := open(t, dsn), open(t, dsn+sep+"reads=managed")
	defer auto.Close()
	defer managed.Close()
	if got := drivers.Settings(auto)["reads"]; got != "auto-commit" {
		t.Errorf("default reads %q", got)
	}
	if got := drivers.Settings(managed)["reads"]; !strings.HasPrefix(got, "managed") {
		t.Errorf("reads=managed: %q", got)
	}
	schema := graph.Schema{Name: "readmodes"}
	ga, err := auto.(graph.Provider).GraphStore(schema)
	if err != nil {
		t.Fatal(err)
	}
	if err := ga.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ga.LoadEdges(ctx, []graph.Edge{{Src: 1, Dst: 2}, {Src: 1, Dst: 3}, {Src: 2, Dst: 3}, {Src: 3, Dst: 4}}); err != nil {
		t.Fatal(err)
	}
	gm, err := managed.(graph.Provider).GraphStore(schema)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []graph.Store{ga, gm} {
		n, err := g.Neighbours(ctx, 1, nil)
		if err != nil || len(n) != 2 {
			t.Errorf("neighbours of 1: %v, %v", n, err)
		}
		fof, err := g.FriendsOfFriends(ctx, 1)
		if err != nil || fof != 1 {
			t.Errorf("friends of friends of 1: %d, %v; want 1 (user 4)", fof, err)
		}
		if p, err := g.ShortestPath(ctx, 1, 4, 4); err != nil || p != 2 {
			t.Errorf("path 1→4: %d, %v; want 2", p, err)
		}
	}
}
