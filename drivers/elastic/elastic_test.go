package elastic_test

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/drivertest"
	"github.com/storefit/storefit/drivers/elastic"
	"github.com/storefit/storefit/drivers/internal/searchrest"
	"github.com/storefit/storefit/drivers/internal/searchrest/searchresttest"
)

// serverDSN returns the DSN of the test server from STOREFIT_ELASTIC_DSN,
// with an index prefix of the tests' own, and skips the test without it
// (fails under STOREFIT_REQUIRE_SERVERS=1).
func serverDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("STOREFIT_ELASTIC_DSN")
	if dsn == "" {
		if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
			t.Fatal("STOREFIT_ELASTIC_DSN is not set and STOREFIT_REQUIRE_SERVERS=1: start a server with compose/native/elastic.sh start")
		}
		t.Skip("STOREFIT_ELASTIC_DSN not set (compose/native/elastic.sh start prints one)")
	}
	return withOption(dsn, "prefix=storefit_test_es_")
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
	c, err := elastic.Driver{}.Open(context.Background(), dsn)
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
	if !strings.HasPrefix(v, "Elasticsearch ") || v == "Elasticsearch " {
		t.Errorf("version %q, want Elasticsearch x.y.z", v)
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
	_, err := drivers.Open(context.Background(), "elastic", "http://admin:hunter2-secret@"+addr)
	if err == nil {
		t.Fatal("Open succeeded")
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	if strings.Contains(msg, "\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	if !strings.Contains(msg, "elastic") || !strings.Contains(msg, addr) {
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
// the analyzer contract (search.Tokens): on every test text for the pattern
// analyzer, on the generated corpus for the standard one (the DSN of
// compose/native/elastic.sh selects it: that server has no analysis-common
// module).
func TestAnalyzer(t *testing.T) {
	cfg, err := elastic.ParseConfig(serverDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("analyzer %s", cfg.Analyzer)
	searchresttest.CheckAnalyzer(t, cfg, cfg.Prefix+"analyzer", cfg.Analyzer == searchrest.AnalyzerStandard)
}
