package neo4j_test

import (
	"context"
	"os"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/drivertest"
	"github.com/storefit/storefit/drivers/neo4j"
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
