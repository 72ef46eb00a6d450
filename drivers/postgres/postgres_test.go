package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/drivertest"
	"github.com/storefit/storefit/drivers/postgres"
)

// serverDSN returns $STOREFIT_POSTGRES_DSN, skipping the test without it
// unless STOREFIT_REQUIRE_SERVERS=1, which makes a missing server a failure.
func serverDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("STOREFIT_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
			t.Fatal("STOREFIT_POSTGRES_DSN is not set and STOREFIT_REQUIRE_SERVERS=1 (start one with compose/native/postgres.sh start)")
		}
		t.Skip("STOREFIT_POSTGRES_DSN is not set (start a server with compose/native/postgres.sh start)")
	}
	return dsn
}

func open(t *testing.T, dsn string) *postgres.Conn {
	t.Helper()
	c, err := postgres.Driver{}.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return c.(*postgres.Conn)
}

func TestConformance(t *testing.T) {
	dsn := serverDSN(t)
	drivertest.Run(t, func() drivers.Conn { return open(t, dsn) })
}
