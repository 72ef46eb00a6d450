package clickhouse_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/clickhouse"
	"github.com/storefit/storefit/drivers/drivertest"
)

// requireServers reports whether missing servers fail tests instead of
// skipping them (STOREFIT_REQUIRE_SERVERS=1, set by CI).
func requireServers() bool { return os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" }

// serverDSN returns the DSN of the test server from STOREFIT_CLICKHOUSE_DSN,
// and skips the test without it (fails under STOREFIT_REQUIRE_SERVERS=1).
func serverDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("STOREFIT_CLICKHOUSE_DSN")
	if dsn == "" {
		if requireServers() {
			t.Fatal("STOREFIT_CLICKHOUSE_DSN is not set and STOREFIT_REQUIRE_SERVERS=1: start a server with compose/native/clickhouse.sh start")
		}
		t.Skip("STOREFIT_CLICKHOUSE_DSN not set (compose/native/clickhouse.sh start prints one)")
	}
	return dsn
}

func open(t *testing.T, dsn string) *clickhouse.Conn {
	t.Helper()
	c, err := clickhouse.Driver{}.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return c.(*clickhouse.Conn)
}

func TestConformance(t *testing.T) {
	dsn := serverDSN(t)
	drivertest.Run(t, func() drivers.Conn { return open(t, dsn) })
}

func TestVersion(t *testing.T) {
	c := open(t, serverDSN(t))
	defer c.Close()
	v := drivers.Version(context.Background(), c)
	if !strings.HasPrefix(v, "ClickHouse ") {
		t.Errorf("version %q, want ClickHouse x.y.z", v)
	}
}
