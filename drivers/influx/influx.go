package influx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"

	"github.com/storefit/storefit/drivers"
)

func init() { drivers.Register("influx", Driver{}) }

var _ drivers.Versioner = (*Conn)(nil)

// Driver opens connections to InfluxDB servers, 1.x or 2.x.
type Driver struct{}

// Describe describes the influx driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Libraries:  []string{"github.com/influxdata/influxdb-client-go/v2"},
		Summary:    "InfluxDB 1.x (line protocol on /write, InfluxQL) or 2.x (influxdb-client-go, Flux), chosen by the server's version: series",
		Conn:       (*Conn)(nil),
		DSNExample: DefaultDSN,
	}
}

// ParseDSN checks dsn as Open would, without connecting
// (drivers.DSNParser).
func (Driver) ParseDSN(dsn string) error {
	_, err := ParseConfig(dsn)
	return err
}

// Open connects to the server dsn names (DefaultDSN when empty; see
// ParseConfig), asks its version on /ping and chooses the API by it (unless
// the DSN sets api=). On a 1.x server it creates the database if missing.
// The error of an unreachable server is one line naming its URL, never a
// password or token.
func (Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, cfg)
}

// Conn is a connection to one InfluxDB server: an HTTP client (keep-alive
// connections shared by all workers) and, for 2.x, influxdb-client-go's
// client on top of it. It is safe for concurrent use.
type Conn struct {
	cfg     Config
	api     string // APIV1 or APIV2
	version string // as /ping reports it
	where   string // "influx URL", the start of every error
	hc      *http.Client
	v2      influxdb2.Client // APIV2 only
}

// OpenConfig opens a connection with a parsed configuration.
func OpenConfig(ctx context.Context, cfg Config) (*Conn, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 256
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	drivers.OwnHTTP(tr, cfg.Conn)
	c := &Conn{cfg: cfg, where: "influx " + cfg.URL, hc: &http.Client{Transport: tr, Timeout: cfg.Timeout}}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	v, err := c.ping(pctx)
	if err != nil {
		tr.CloseIdleConnections()
		return nil, err
	}
	c.version = v
	c.api = cfg.API
	if c.api == APIAuto {
		c.api = APIV2
		if strings.HasPrefix(v, "1.") {
			c.api = APIV1
		}
	}
	switch c.api {
	case APIV1:
		if _, err := c.v1Query(ctx, "CREATE DATABASE "+quoteIdent(cfg.Database), nil, false); err != nil {
			tr.CloseIdleConnections()
			return nil, err
		}
	case APIV2:
		opts := influxdb2.DefaultOptions().
			SetHTTPClient(c.hc).
			SetUseGZip(cfg.gzip(APIV2)).
			SetPrecision(time.Nanosecond).
			SetMaxRetries(0).
			SetLogLevel(0)
		c.v2 = influxdb2.NewClientWithOptions(cfg.URL, cfg.Token, opts)
	}
	return c, nil
}

// Close closes idle connections (and the 2.x client).
func (c *Conn) Close() error {
	if c.v2 != nil {
		c.v2.Close()
	}
	c.hc.CloseIdleConnections()
	return nil
}

// Version returns the server's version as /ping reported it at Open, with
// the API in use, e.g. "InfluxDB 1.6.7~rc0 (v1 API: InfluxQL)".
func (c *Conn) Version(ctx context.Context) (string, error) {
	lang := "InfluxQL"
	if c.api == APIV2 {
		lang = "Flux"
	}
	return "InfluxDB " + strings.TrimPrefix(c.version, "v") + " (" + c.api + " API: " + lang + ")", nil
}

// API returns the API the connection speaks: APIV1 or APIV2.
func (c *Conn) API() string { return c.api }

// Config returns the configuration the Conn was opened with.
func (c *Conn) Config() Config { return c.cfg }

// ping asks the server's version: GET /ping answers 204 with the version in
// the X-Influxdb-Version header (1.x and 2.x alike).
func (c *Conn) ping(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.URL+"/ping", nil)
	if err != nil {
		return "", c.wrap(err, "ping")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", c.wrap(err, "ping (is the server running? compose/native/influx.sh start starts one)")
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("%s: ping: HTTP %s", c.where, resp.Status)
	}
	v := resp.Header.Get("X-Influxdb-Version")
	if v == "" {
		return "", fmt.Errorf("%s: ping: no X-Influxdb-Version header: not an InfluxDB server?", c.where)
	}
	return v, nil
}

// wrap returns err with the server URL and what was being done, as one
// line; nil stays nil.
func (c *Conn) wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &opError{where: c.where, what: fmt.Sprintf(format, args...), err: err}
}

// opError is a failed operation: "influx URL: what: cause".
type opError struct {
	where, what string
	err         error
}

func (e *opError) Error() string { return e.where + ": " + e.what + ": " + oneLine(e.err) }
func (e *opError) Unwrap() error { return e.err }

// oneLine flattens an error message to one line.
func oneLine(err error) string {
	s := err.Error()
	if strings.ContainsAny(s, "\r\n") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return s
}

// serverError is an error the server answered with.
type serverError struct {
	status int
	msg    string
}

func (e *serverError) Error() string {
	if e.status == 0 {
		return e.msg
	}
	return fmt.Sprintf("HTTP %d: %s", e.status, e.msg)
}

// responseError reads an error answer: 1.x and 2.x both send JSON with an
// "error" (1.x) or "message" (2.x) member.
func responseError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	var e struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	msg := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &e) == nil {
		if e.Error != "" {
			msg = e.Error
		} else if e.Message != "" {
			msg = e.Message
		}
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return &serverError{status: resp.StatusCode, msg: msg}
}

// errNoBackend is returned by stores of a Conn whose API has no
// implementation of an operation.
var errNoBackend = errors.New("influx: unknown API")

func init() { drivers.Register("influx2", V2Driver{}) }

// DefaultV2DSN is the InfluxDB 2 server compose/native/influx2.sh starts.
const DefaultV2DSN = "http://127.0.0.1:8087?org=storefit&bucket=storefit&token=storefit-token"

// V2Driver opens InfluxDB 2.x servers as the store "influx2": the influx
// driver held to the v2 API (influxdb-client-go, Flux). It exists so a run
// can compare InfluxDB 2 with the 1.x server of the influx store under a
// name of its own (each takes its DSN from $STOREFIT_<NAME>_DSN).
type V2Driver struct{}

// Describe describes the influx2 driver.
func (V2Driver) Describe() drivers.Info {
	return drivers.Info{
		Libraries:  []string{"github.com/influxdata/influxdb-client-go/v2"},
		Summary:    "InfluxDB 2.x only (the influx driver's v2 API: influxdb-client-go, Flux): series",
		Conn:       (*Conn)(nil),
		DSNExample: drivers.RedactDSN(DefaultV2DSN),
	}
}

// ParseDSN checks dsn as Open would, without connecting
// (drivers.DSNParser).
func (V2Driver) ParseDSN(dsn string) error {
	_, err := parseV2(dsn)
	return err
}

// parseV2 parses an influx2 DSN: an influx one (DefaultV2DSN when empty)
// held to the v2 API.
func parseV2(dsn string) (Config, error) {
	if strings.TrimSpace(dsn) == "" {
		dsn = DefaultV2DSN
	}
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return Config{}, err
	}
	if cfg.API == APIV1 {
		return Config{}, fmt.Errorf("influx2 DSN %q: api=v1: the influx2 store speaks the v2 API (use the influx store for v1)", drivers.RedactDSN(dsn))
	}
	cfg.API = APIV2
	return cfg, nil
}

// Open connects like the influx driver (DefaultV2DSN when dsn is empty)
// with the v2 API, and refuses a 1.x server, which does not speak Flux.
func (V2Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	cfg, err := parseV2(dsn)
	if err != nil {
		return nil, err
	}
	c, err := OpenConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(strings.TrimPrefix(c.version, "v"), "1.") {
		c.Close()
		return nil, fmt.Errorf("%s: the server is InfluxDB %s, and the influx2 store needs 2.x (compose/native/influx2.sh start starts one; the influx store speaks 1.x)", c.where, c.version)
	}
	return c, nil
}
