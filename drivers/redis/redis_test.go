package redis_test

import (
	"context"
	"os"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/drivertest"
	"github.com/storefit/storefit/drivers/redis"
)

// serverDSN returns the DSN of the test server from STOREFIT_REDIS_DSN, and
// skips the test without it (fails under STOREFIT_REQUIRE_SERVERS=1).
func serverDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("STOREFIT_REDIS_DSN")
	if dsn == "" {
		if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
			t.Fatal("STOREFIT_REDIS_DSN is not set and STOREFIT_REQUIRE_SERVERS=1: start one with compose/native/redis.sh start")
		}
		t.Skip("STOREFIT_REDIS_DSN not set (compose/native/redis.sh start prints one)")
	}
	return dsn
}

func TestConformance(t *testing.T) {
	dsn := serverDSN(t)
	drivertest.Run(t, func() drivers.Conn {
		c, err := redis.Driver{}.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
}
