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

// v2DSN returns the DSN of the InfluxDB 2.x test server from
// STOREFIT_INFLUX2_DSN (compose/native/influx2.sh start prints one), and
// skips the test without it (fails under STOREFIT_REQUIRE_SERVERS=1).
func v2DSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("STOREFIT_INFLUX2_DSN")
	if dsn == "" {
		if requireServers() {
			t.Fatal("STOREFIT_INFLUX2_DSN is not set and STOREFIT_REQUIRE_SERVERS=1: start a server with compose/native/influx2.sh start")
		}
		t.Skip("STOREFIT_INFLUX2_DSN not set (compose/native/influx2.sh start prints one)")
	}
	return dsn
}

// TestConformanceV2 runs the suite on the InfluxDB 2.x server through the
// influx2 store (the v2 API: influxdb-client-go, Flux), after checking that
// the influx store chooses the v2 API there by itself.
func TestConformanceV2(t *testing.T) {
	dsn := v2DSN(t)
	c := open(t, dsn)
	api, v := c.API(), drivers.Version(context.Background(), c)
	c.Close()
	if api != influx.APIV2 || !strings.HasPrefix(v, "InfluxDB 2.") {
		t.Fatalf("the influx store speaks the %s API to %q, want v2 to InfluxDB 2.x", api, v)
	}
	drivertest.Run(t, func() drivers.Conn {
		c, err := influx.V2Driver{}.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
}

// TestInflux2RefusesV1 opens the influx2 store on the 1.x server: one line
// saying it needs 2.x.
func TestInflux2RefusesV1(t *testing.T) {
	c, err := influx.V2Driver{}.Open(context.Background(), serverDSN(t))
	if err == nil {
		c.Close()
		t.Fatal("influx2 opened an InfluxDB 1.x server")
	}
	if !strings.Contains(err.Error(), "needs 2.x") || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q, want one line saying 2.x is needed", err)
	}
	if _, err := (influx.V2Driver{}).Open(context.Background(), "http://127.0.0.1:1?api=v1"); err == nil || !strings.Contains(err.Error(), "api=v1") {
		t.Errorf("api=v1: %v, want an error naming the option", err)
	}
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
