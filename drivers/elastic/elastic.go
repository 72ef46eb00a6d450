package elastic

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/elastic/elastic-transport-go/v8/elastictransport"
	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/internal/searchrest"
)

func init() { drivers.Register("elastic", Driver{}) }

// Driver opens connections to an Elasticsearch cluster.
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

// Describe describes the elastic driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Libraries:  []string{"github.com/elastic/go-elasticsearch/v8"},
		Summary:    "Elasticsearch server (Lucene BM25, contract analyzer, bulk indexer), client go-elasticsearch",
		Conn:       (*Conn)(nil),
		DSNExample: "http://elastic:storefit@127.0.0.1:9200 (http[s]://[user:password@]host:port[?prefix=storefit_&analyzer=pattern…])",
	}
}

// Conn is a client of one Elasticsearch cluster. It is safe for concurrent
// use.
type Conn struct {
	cfg     Config
	es      *elastictransport.Client
	version string
}

// Connect connects to the server cfg describes and checks that it answers
// (GET /, which also gives the version) and that it is Elasticsearch: its
// X-Elastic-Product header (sent from 7.14 on) must say so; the elastic
// driver makes no attempt to pass that check with another product (the
// opensearch driver is for OpenSearch).
//
// The requests are go-elasticsearch's esapi requests over its transport
// (elastictransport), without the client package on top: that package
// links the typed API, 800 packages storefit does not use, about 8 MB of
// the binary.
func Connect(ctx context.Context, cfg Config) (*Conn, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("elastic at %s: %s", cfg.Addr(), searchrest.OneLine(err.Error()))
	}
	opts := []elastictransport.Option{
		elastictransport.WithURLs(u),
		elastictransport.WithTransport(newTransport(cfg)),
		// No silent retries: a failed operation is an error the runner
		// counts, and a dead server fails operations at once.
		elastictransport.WithDisableRetry(),
	}
	if cfg.Username != "" || cfg.Password != "" {
		opts = append(opts, elastictransport.WithBasicAuth(cfg.Username, cfg.Password))
	}
	es, err := elastictransport.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("elastic at %s: %s", cfg.Addr(), searchrest.OneLine(err.Error()))
	}
	c := &Conn{cfg: cfg, es: es}
	ictx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	res, err := esapi.InfoRequest{}.Do(ictx, es)
	if err != nil {
		return nil, connectError(cfg.Addr(), err)
	}
	if p := res.Header.Get("X-Elastic-Product"); !res.IsError() && p != "Elasticsearch" {
		res.Body.Close()
		return nil, fmt.Errorf("elastic at %s: the server does not say it is Elasticsearch (X-Elastic-Product %q; Elasticsearch 7.14 or newer sends it): for OpenSearch use --store opensearch", cfg.Addr(), p)
	}
	var info struct {
		Version struct {
			Number       string `json:"number"`
			Distribution string `json:"distribution"`
		} `json:"version"`
	}
	if err := decode(res, &info); err != nil {
		return nil, connectError(cfg.Addr(), err)
	}
	if info.Version.Distribution != "" {
		return nil, fmt.Errorf("elastic at %s: the server is %s %s, not Elasticsearch", cfg.Addr(), info.Version.Distribution, info.Version.Number)
	}
	c.version = "Elasticsearch " + info.Version.Number
	return c, nil
}

// decode reads an answer into v (nil: discards it), or returns its error.
func decode(res *esapi.Response, v any) error {
	defer res.Body.Close()
	if res.IsError() {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
		return searchrest.ResponseError(res.StatusCode, b)
	}
	if v == nil {
		_, err := io.Copy(io.Discard, res.Body)
		return err
	}
	return json.NewDecoder(res.Body).Decode(v)
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
	if hint := searchrest.ConnectHint("compose/native/elastic.sh start, or docker compose up elasticsearch", err); hint != "" {
		return fmt.Errorf("elastic at %s: %s (%s)", addr, msg, hint)
	}
	return fmt.Errorf("elastic at %s: %s", addr, msg)
}

// Close closes the client's idle connections.
func (c *Conn) Close() error {
	return c.es.Close(context.Background())
}

// Version reports the server's version, as "Elasticsearch 8.17.0", found
// when the connection opened.
func (c *Conn) Version(ctx context.Context) (string, error) { return c.version, nil }

// wrap gives an error of the server the context of the address and the
// operation, on one line; the error stays recognizable with errors.Is
// (context.DeadlineExceeded, …).
func (c *Conn) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("elastic at %s: %s: %w", c.cfg.Addr(), op, searchrest.OneLineErr{Err: err})
}

// Settings states the caches and the tie-break (results record them).
func (c *Conn) Settings() map[string]string { return c.cfg.Options.Settings() }
