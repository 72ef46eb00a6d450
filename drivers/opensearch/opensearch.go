package opensearch

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"time"

	osgo "github.com/opensearch-project/opensearch-go/v4"
	"github.com/opensearch-project/opensearch-go/v4/opensearchapi"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/internal/searchrest"
)

func init() { drivers.Register("opensearch", Driver{}) }

// Driver opens connections to an OpenSearch cluster.
type Driver struct{}

// ParseDSN checks dsn as Open would, without connecting
// (drivers.DSNParser).
func (Driver) ParseDSN(dsn string) error {
	_, err := ParseConfig(dsn)
	return err
}

// Open connects to the server dsn names (see ParseConfig; empty is
// DefaultDSN) and checks that it answers.
func (Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return Connect(ctx, cfg)
}

// Describe describes the opensearch driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Libraries:  []string{"github.com/opensearch-project/opensearch-go/v4"},
		Summary:    "OpenSearch server (Lucene BM25, contract analyzer, bulk indexer), client opensearch-go",
		Conn:       (*Conn)(nil),
		DSNExample: "http://127.0.0.1:9200 (http[s]://[user:password@]host:port[?prefix=storefit_&shards=1…])",
	}
}

// Conn is a client of one OpenSearch cluster. It is safe for concurrent use.
type Conn struct {
	cfg     Config
	client  *opensearchapi.Client
	version string
}

// Connect connects to the server cfg describes and checks that it answers
// (GET /, which also gives the version).
func Connect(ctx context.Context, cfg Config) (*Conn, error) {
	client, err := opensearchapi.NewClient(opensearchapi.Config{Client: osgo.Config{
		Addresses: []string{cfg.URL},
		Username:  cfg.Username,
		Password:  cfg.Password,
		Transport: newTransport(cfg),
		// No silent retries: a failed operation is an error the runner
		// counts, and a dead server fails operations at once.
		DisableRetry:         true,
		DiscoverNodesOnStart: new(false),
		// No health-check requests of the client's own beside the
		// workload's.
		HealthCheckMaxRetries: -1,
	}})
	if err != nil {
		return nil, fmt.Errorf("opensearch at %s: %s", cfg.Addr(), searchrest.OneLine(err.Error()))
	}
	c := &Conn{cfg: cfg, client: client}
	ictx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	info, err := client.Info(ictx, nil)
	if err != nil {
		client.Close()
		return nil, connectError(cfg.Addr(), err)
	}
	dist := info.Version.Distribution
	if dist == "" {
		dist = "elasticsearch"
	}
	name := map[string]string{"opensearch": "OpenSearch", "elasticsearch": "Elasticsearch"}[dist]
	if name == "" {
		name = dist
	}
	c.version = name + " " + info.Version.Number
	return c, nil
}

// newTransport is the HTTP transport of the client: a pool large enough
// for every worker of a run to keep its connection (net/http keeps 2 idle
// connections per host by default, so more workers would reconnect all the
// time), no proxy (the server is addressed directly).
func newTransport(cfg Config) *http.Transport {
	t := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   512,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ExpectContinueTimeout: time.Second,
	}
	if cfg.Insecure {
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for with insecure=true
	}
	return drivers.OwnHTTP(t, cfg.Conn)
}

// connectError makes one line of a failure to reach the server at addr,
// with a hint for the usual causes.
func connectError(addr string, err error) error {
	msg := searchrest.OneLine(err.Error())
	if hint := searchrest.ConnectHint("compose/native/opensearch.sh start", err); hint != "" {
		return fmt.Errorf("opensearch at %s: %s (%s)", addr, msg, hint)
	}
	return fmt.Errorf("opensearch at %s: %s", addr, msg)
}

// Close closes the client's idle connections.
func (c *Conn) Close() error {
	return c.client.Close()
}

// Version reports the server's distribution and version, as
// "OpenSearch 2.19.6", found when the connection opened.
func (c *Conn) Version(ctx context.Context) (string, error) { return c.version, nil }

// wrap gives an error of the server the context of the address and the
// operation, on one line; the error stays recognizable with errors.Is
// (context.DeadlineExceeded, …).
func (c *Conn) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("opensearch at %s: %s: %w", c.cfg.Addr(), op, searchrest.OneLineErr{Err: err})
}

// Settings states the caches and the tie-break (results record them).
func (c *Conn) Settings() map[string]string { return c.cfg.Options.Settings() }
