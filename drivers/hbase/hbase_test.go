package hbase_test

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/drivertest"
	"github.com/storefit/storefit/drivers/hbase"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/wide"
)

// serverDSN returns $STOREFIT_HBASE_DSN (compose/native/hbase.sh start
// prints one), skipping the test without it unless
// STOREFIT_REQUIRE_SERVERS=1, which makes a missing server a failure.
func serverDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("STOREFIT_HBASE_DSN")
	if dsn == "" {
		if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
			t.Fatal("STOREFIT_HBASE_DSN is not set and STOREFIT_REQUIRE_SERVERS=1 (start one with compose/native/hbase.sh start)")
		}
		t.Skip("STOREFIT_HBASE_DSN is not set (compose/native/hbase.sh start prints one)")
	}
	return dsn
}

func open(t *testing.T, dsn string) *hbase.Conn {
	t.Helper()
	c, err := hbase.Driver{}.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return c.(*hbase.Conn)
}

func TestConformance(t *testing.T) {
	dsn := serverDSN(t)
	drivertest.Run(t, func() drivers.Conn { return open(t, dsn) })
}

// TestPatterns fixes what the store offers: point with scans, wide
// without counts (wide/mix n/a, wide/rows measured), nothing else.
func TestPatterns(t *testing.T) {
	var c drivers.Conn = (*hbase.Conn)(nil)
	for _, p := range []string{"point", "wide"} {
		if !workloads.Supports(c, p) {
			t.Errorf("hbase does not support %s", p)
		}
	}
	for _, p := range []string{"crud", "agg", "graph", "search", "series"} {
		if workloads.Supports(c, p) {
			t.Errorf("hbase supports %s", p)
		}
	}
	if _, ok := any((*hbase.Conn)(nil)).(wide.Provider); !ok {
		t.Fatal("no wide.Provider")
	}
}

func TestVersion(t *testing.T) {
	c := open(t, serverDSN(t))
	defer c.Close()
	if v := drivers.Version(context.Background(), c); !strings.HasPrefix(v, "HBase 2.") {
		t.Errorf("version %q, want HBase 2.x", v)
	}
}

// TestNamespaceOption opens a second namespace, which Open creates.
func TestNamespaceOption(t *testing.T) {
	dsn := serverDSN(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	c := open(t, dsn+sep+"namespace=storefit_ns_test")
	defer c.Close()
	s, err := c.WideStore(wide.Schema{Table: "prefs_ns", Columns: 10, ValueLength: 4})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.SetColumns(ctx, 7, []int{3, 9}, [][]byte{[]byte("a"), []byte("b")}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadRow(ctx, 7, wide.Row{})
	if err != nil || len(got.Cols) != 2 || got.Cols[0] != 3 || got.Cols[1] != 9 {
		t.Errorf("ReadRow = %+v, %v", got, err)
	}
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	_, err = hbase.Driver{}.Open(context.Background(), "http://"+addr)
	if err == nil || !strings.Contains(err.Error(), addr) || strings.ContainsAny(err.Error(), "\n") {
		t.Errorf("Open of a closed port: %v, want one line naming %s", err, addr)
	}
}
