package influx_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/drivertest"
	"github.com/storefit/storefit/drivers/influx"
)

// requireServers reports whether missing servers fail tests instead of
// skipping them (STOREFIT_REQUIRE_SERVERS=1, set by CI).
func requireServers() bool { return os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" }

// serverDSN returns the DSN of the InfluxDB 1.x test server from
// STOREFIT_INFLUX_DSN, and skips the test without it (fails under
// STOREFIT_REQUIRE_SERVERS=1).
func serverDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("STOREFIT_INFLUX_DSN")
	if dsn == "" {
		if requireServers() {
			t.Fatal("STOREFIT_INFLUX_DSN is not set and STOREFIT_REQUIRE_SERVERS=1: start a server with compose/native/influx.sh start")
		}
		t.Skip("STOREFIT_INFLUX_DSN not set (compose/native/influx.sh start prints one)")
	}
	return dsn
}

func open(t *testing.T, dsn string) *influx.Conn {
	t.Helper()
	c, err := influx.Driver{}.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return c.(*influx.Conn)
}

func TestConformance(t *testing.T) {
	dsn := serverDSN(t)
	drivertest.Run(t, func() drivers.Conn { return open(t, dsn) })
}

func TestVersion(t *testing.T) {
	c := open(t, serverDSN(t))
	defer c.Close()
	v := drivers.Version(context.Background(), c)
	if !strings.HasPrefix(v, "InfluxDB ") {
		t.Errorf("version %q, want InfluxDB x.y.z", v)
	}
}

// TestConformanceV2 runs the suite on an InfluxDB 2.x server named by
// STOREFIT_INFLUX2_DSN (compose/'s influxdb service), and skips without one
// even under STOREFIT_REQUIRE_SERVERS=1: InfluxDB 2 is not packaged for
// Debian, so CI cannot start it (the golden Flux files check its queries).
func TestConformanceV2(t *testing.T) {
	dsn := os.Getenv("STOREFIT_INFLUX2_DSN")
	if dsn == "" {
		t.Skip("STOREFIT_INFLUX2_DSN not set (docker compose -f compose/docker-compose.yml up -d influxdb; CI has no InfluxDB 2)")
	}
	if c := open(t, dsn); c.API() != influx.APIV2 {
		c.Close()
		t.Fatalf("%s speaks the %s API, want v2", dsn, c.API())
	} else {
		c.Close()
	}
	drivertest.Run(t, func() drivers.Conn { return open(t, dsn) })
}

// TestAPIChoice checks that the 1.x server is spoken to through the v1 API
// and that api=v1 is accepted.
func TestAPIChoice(t *testing.T) {
	dsn := serverDSN(t)
	c := open(t, dsn)
	defer c.Close()
	v, _ := c.Version(context.Background())
	if strings.HasPrefix(v, "InfluxDB 1.") && c.API() != influx.APIV1 {
		t.Errorf("%s: API %s, want v1", v, c.API())
	}
}

func TestUnreachable(t *testing.T) {
	_, err := influx.Driver{}.Open(context.Background(), "http://127.0.0.1:1?token=secret")
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") || strings.Contains(err.Error(), "secret") {
		t.Errorf("Open of a closed port: %v, want an error naming the address without the token", err)
	}
}
