package opensearch_test

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/drivertest"
	"github.com/storefit/storefit/drivers/internal/searchrest"
	"github.com/storefit/storefit/drivers/internal/searchrest/searchresttest"
	"github.com/storefit/storefit/drivers/opensearch"
)

// serverDSN returns the DSN of the test server from STOREFIT_OPENSEARCH_DSN,
// with an index prefix of the tests' own, and skips the test without it
// (fails under STOREFIT_REQUIRE_SERVERS=1).
func serverDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("STOREFIT_OPENSEARCH_DSN")
	if dsn == "" {
		if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
			t.Fatal("STOREFIT_OPENSEARCH_DSN is not set and STOREFIT_REQUIRE_SERVERS=1: start a server with compose/native/opensearch.sh start")
		}
		t.Skip("STOREFIT_OPENSEARCH_DSN not set (compose/native/opensearch.sh start prints one)")
	}
	return withOption(dsn, "prefix=storefit_test_os_")
}

// withOption adds a query option to a DSN.
func withOption(dsn, opt string) string {
	if strings.Contains(dsn, "?") {
		return dsn + "&" + opt
	}
	return dsn + "?" + opt
}

func open(t *testing.T, dsn string) drivers.Conn {
	t.Helper()
	c, err := opensearch.Driver{}.Open(context.Background(), dsn)
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
	if !strings.HasPrefix(v, "OpenSearch ") || v == "OpenSearch " {
		t.Errorf("version %q, want OpenSearch x.y.z", v)
	}
}

// freePort returns a loopback port nothing listens on.
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
	_, err := drivers.Open(context.Background(), "opensearch", "http://admin:hunter2-secret@"+addr)
	if err == nil {
		t.Fatal("Open succeeded")
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	if strings.Contains(msg, "\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	if !strings.Contains(msg, "opensearch") || !strings.Contains(msg, addr) {
		t.Errorf("error does not name store and address %s: %q", addr, msg)
	}
	if strings.Contains(msg, "hunter2-secret") {
		t.Errorf("error shows the password: %q", msg)
	}
	if !strings.Contains(msg, "refused") {
		t.Errorf("error does not say the connection was refused: %q", msg)
	}
}

// TestAnalyzer checks the index's analyzer, as the server runs it, against
// the analyzer contract (search.Tokens).
func TestAnalyzer(t *testing.T) {
	cfg, err := opensearch.ParseConfig(serverDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("pattern", func(t *testing.T) {
		searchresttest.CheckAnalyzer(t, cfg, cfg.Prefix+"analyzer", false)
	})
	t.Run("standard", func(t *testing.T) {
		cfg.Analyzer = searchrest.AnalyzerStandard
		searchresttest.CheckAnalyzer(t, cfg, cfg.Prefix+"analyzer", true)
	})
}
