package hbase

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/storefit/storefit/drivers"
)

func init() { drivers.Register("hbase", Driver{}) }

var _ drivers.Versioner = (*Conn)(nil)

// Driver opens connections to HBase through its REST gateway.
type Driver struct{}

// Describe describes the hbase driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		// The REST client is storefit's own (net/http); protowire encodes
		// the cell sets.
		Libraries:  []string{"google.golang.org/protobuf"},
		Summary:    "Apache HBase through its REST gateway (net/http, protobuf cell sets): point, wide — one column family, a cell per field or set column",
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

// Open connects to the gateway dsn names (DefaultDSN when empty; see
// ParseConfig), asks the cluster's version and creates the namespace if
// missing. The error of an unreachable gateway is one line naming its URL.
func (Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, cfg)
}

// Conn is a connection to one HBase REST gateway: an HTTP client whose
// keep-alive connections all workers share. It is safe for concurrent use.
type Conn struct {
	cfg     Config
	where   string // "hbase URL", the start of every error
	hc      *http.Client
	version string // the cluster's, as the gateway reports it
	bufs    sync.Pool
}

// OpenConfig opens a connection with a parsed configuration.
func OpenConfig(ctx context.Context, cfg Config) (*Conn, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 256
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	drivers.OwnHTTP(tr, cfg.Conn)
	c := &Conn{cfg: cfg, where: "hbase " + cfg.URL, hc: &http.Client{Transport: tr, Timeout: cfg.Timeout}}
	c.bufs.New = func() any { return new(bytes.Buffer) }
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := c.clusterVersion(octx)
	if err == nil {
		c.version = v
		err = c.ensureNamespace(octx)
	}
	if err != nil {
		tr.CloseIdleConnections()
		return nil, err
	}
	return c, nil
}

// Close closes idle connections.
func (c *Conn) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

// Version returns the cluster's version, e.g. "HBase 2.6.4-hadoop3 (REST
// gateway)".
func (c *Conn) Version(ctx context.Context) (string, error) {
	return "HBase " + c.version + " (REST gateway)", nil
}

// Config returns the configuration the Conn was opened with.
func (c *Conn) Config() Config { return c.cfg }

// Media types of the gateway's protobuf and JSON representations.
const (
	mimeProtobuf = "application/x-protobuf"
	mimeJSON     = "application/json"
)

// response is an answer: its status and body (in a pooled buffer the
// caller gives back with c.done).
type response struct {
	status int
	body   *bytes.Buffer
}

// do sends a request and reads the whole answer. body may be nil.
func (c *Conn) do(ctx context.Context, method, path, accept, ctype string, body []byte) (response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.URL+path, rd)
	if err != nil {
		return response{}, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	buf := c.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		c.bufs.Put(buf)
		return response{}, err
	}
	return response{status: resp.StatusCode, body: buf}, nil
}

// done gives the answer's buffer back.
func (c *Conn) done(r response) {
	if r.body != nil && r.body.Cap() <= 1<<20 {
		c.bufs.Put(r.body)
	}
}

// statusError is an answer with an unexpected status.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string {
	msg := strings.Join(strings.Fields(e.msg), " ")
	if len(msg) > 300 {
		msg = msg[:300] + " …"
	}
	if msg == "" {
		msg = http.StatusText(e.status)
	}
	return fmt.Sprintf("HTTP %d: %s", e.status, msg)
}

// unexpected returns the error of an answer whose status is none of the
// expected ones, and gives its buffer back.
func (c *Conn) unexpected(r response) error {
	err := &statusError{status: r.status, msg: r.body.String()}
	c.done(r)
	return err
}

// wrap returns err with the gateway's URL and what was being done, as one
// line; nil stays nil.
func (c *Conn) wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &opError{where: c.where, what: fmt.Sprintf(format, args...), err: err}
}

// opError is a failed operation: "hbase URL: what: cause".
type opError struct {
	where, what string
	err         error
}

func (e *opError) Error() string {
	return e.where + ": " + e.what + ": " + strings.Join(strings.Fields(e.err.Error()), " ")
}
func (e *opError) Unwrap() error { return e.err }

// clusterVersion asks GET /version/cluster.
func (c *Conn) clusterVersion(ctx context.Context) (string, error) {
	r, err := c.do(ctx, http.MethodGet, "/version/cluster", "text/plain", "", nil)
	if err != nil {
		return "", c.wrap(err, "ask the cluster version (is the gateway running? compose/native/hbase.sh start starts HBase with one)")
	}
	if r.status != http.StatusOK {
		return "", c.wrap(c.unexpected(r), "ask the cluster version")
	}
	v := strings.TrimSpace(r.body.String())
	c.done(r)
	return v, nil
}

// ensureNamespace creates the namespace unless it exists (the gateway
// lists namespaces; asking for a missing one is an error 500, not 404).
func (c *Conn) ensureNamespace(ctx context.Context) error {
	r, err := c.do(ctx, http.MethodGet, "/namespaces", mimeJSON, "", nil)
	if err != nil {
		return c.wrap(err, "list namespaces")
	}
	if r.status != http.StatusOK {
		return c.wrap(c.unexpected(r), "list namespaces")
	}
	var list struct {
		Namespace []string `json:"Namespace"`
	}
	err = json.Unmarshal(r.body.Bytes(), &list)
	c.done(r)
	if err != nil {
		return c.wrap(err, "list namespaces")
	}
	for _, ns := range list.Namespace {
		if ns == c.cfg.Namespace {
			return nil
		}
	}
	r, err = c.do(ctx, http.MethodPost, "/namespaces/"+c.cfg.Namespace, mimeJSON, mimeJSON, []byte("{}"))
	if err != nil {
		return c.wrap(err, "create namespace %s", c.cfg.Namespace)
	}
	switch r.status {
	case http.StatusCreated, http.StatusOK,
		http.StatusForbidden: // created meanwhile by another Open: "exists" is 403
		c.done(r)
		return nil
	}
	return c.wrap(c.unexpected(r), "create namespace %s", c.cfg.Namespace)
}

// rowSegment escapes a row key for a URL path: the gateway splits its row
// specification at '/' and ',' before URL-decoding it (as UTF-8 text), so
// every byte but letters, digits and -_.~ is escaped.
func rowSegment(key string) string { return url.QueryEscape(key) }

// table returns the escaped path of a table of the namespace.
func (c *Conn) table(name string) string {
	return "/" + url.PathEscape(c.cfg.Namespace+":"+name)
}

// checkTableName rejects names HBase would refuse: letters, digits, '_',
// '-' and '.', not starting with '.' or '-'.
func checkTableName(kind, name string) error {
	if name == "" {
		return fmt.Errorf("hbase: %s needs a name", kind)
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' ||
			i > 0 && (r == '-' || r == '.')
		if !ok || len(name) > 200 {
			return fmt.Errorf("hbase: %s name %q: use letters, digits, '_', '-' and '.' (not first)", kind, name)
		}
	}
	return nil
}

// family is a column family of a table and its settings (HBase's column
// descriptor attributes, as the gateway's schema representation names them).
type family struct {
	name  string
	attrs map[string]string
}

// recreate drops the table if it exists and creates it with the families:
// DELETE /ns:table/schema (disable and delete), then PUT with the schema.
func (c *Conn) recreate(ctx context.Context, name string, families ...family) error {
	path := c.table(name) + "/schema"
	r, err := c.do(ctx, http.MethodDelete, path, "", "", nil)
	if err != nil {
		return c.wrap(err, "drop table %s", name)
	}
	if r.status != http.StatusOK && r.status != http.StatusNotFound {
		return c.wrap(c.unexpected(r), "drop table %s", name)
	}
	c.done(r)
	type column map[string]string
	schema := struct {
		Name    string   `json:"name"`
		Columns []column `json:"ColumnSchema"`
	}{Name: c.cfg.Namespace + ":" + name}
	for _, f := range families {
		col := column{"name": f.name}
		for k, v := range f.attrs {
			col[k] = v
		}
		schema.Columns = append(schema.Columns, col)
	}
	body, err := json.Marshal(schema)
	if err != nil {
		return err
	}
	r, err = c.do(ctx, http.MethodPut, path, mimeJSON, mimeJSON, body)
	if err != nil {
		return c.wrap(err, "create table %s", name)
	}
	if r.status != http.StatusCreated && r.status != http.StatusOK {
		return c.wrap(c.unexpected(r), "create table %s", name)
	}
	c.done(r)
	return nil
}

// errCheckFailed is a check-and-mutate whose check did not hold (the
// gateway answers 304 Not Modified).
var errCheckFailed = errors.New("check failed")

// put writes a CellSet (PUT /ns:table/row, or with ?check=put|delete a
// check-and-mutate whose last cell is the check). row names the resource;
// the keys in the body are what is written.
func (c *Conn) put(ctx context.Context, table, row, check string, body []byte) error {
	path := table + "/" + rowSegment(row)
	if check != "" {
		path += "?check=" + check
	}
	r, err := c.do(ctx, http.MethodPut, path, "", mimeProtobuf, body)
	if err != nil {
		return err
	}
	switch r.status {
	case http.StatusOK, http.StatusCreated:
		c.done(r)
		return nil
	case http.StatusNotModified:
		c.done(r)
		return errCheckFailed
	}
	return c.unexpected(r)
}

// get reads cells: GET path with protobuf accepted. A 404 (no such row, or
// none of the columns asked) is drivers.ErrNotFound. The caller reads the
// body and gives it back with c.done.
func (c *Conn) get(ctx context.Context, path string) (response, error) {
	r, err := c.do(ctx, http.MethodGet, path, mimeProtobuf, "", nil)
	if err != nil {
		return response{}, err
	}
	switch r.status {
	case http.StatusOK:
		return r, nil
	case http.StatusNotFound:
		c.done(r)
		return response{}, drivers.ErrNotFound
	}
	return response{}, c.unexpected(r)
}

// del deletes what path names (a row, or cells of a row).
func (c *Conn) del(ctx context.Context, path string) error {
	r, err := c.do(ctx, http.MethodDelete, path, "", "", nil)
	if err != nil {
		return err
	}
	if r.status != http.StatusOK {
		return c.unexpected(r)
	}
	c.done(r)
	return nil
}
