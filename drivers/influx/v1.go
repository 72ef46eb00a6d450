package influx

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// qlSeries is one series of an InfluxQL answer: its tags (for GROUP BY
// tags), column names and rows. Numbers are json.Number, so integers
// (nanosecond times) keep every digit and floats parse back exactly.
type qlSeries struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags"`
	Columns []string          `json:"columns"`
	Values  [][]any           `json:"values"`
	Partial bool              `json:"partial"`
}

// v1Response is the JSON answer of /query.
type v1Response struct {
	Results []struct {
		Series  []qlSeries `json:"series"`
		Error   string     `json:"error"`
		Partial bool       `json:"partial"`
	} `json:"results"`
	Error string `json:"error"`
}

// v1Query runs one InfluxQL statement with bound parameters (InfluxDB's
// params: $name in the text, values in a JSON object) through POST /query,
// times as Unix nanoseconds, and returns its series. read says whether the
// statement only reads (it then runs against the configured retention
// policy too). A truncated answer (the server's max-row-limit) is an error,
// not a short answer.
func (c *Conn) v1Query(ctx context.Context, q string, params map[string]any, read bool) ([]qlSeries, error) {
	form := url.Values{"q": {q}, "db": {c.cfg.Database}, "epoch": {"ns"}}
	if read && c.cfg.RetentionPolicy != "" {
		form.Set("rp", c.cfg.RetentionPolicy)
	}
	if len(params) > 0 {
		p, err := json.Marshal(params)
		if err != nil {
			return nil, fmt.Errorf("influx: encode query parameters: %w", err)
		}
		form.Set("params", string(p))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL+"/query", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, c.wrap(err, "query")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	c.v1Auth(req)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.wrap(err, "query %s", firstWords(q))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, c.wrap(responseError(resp), "query %s", firstWords(q))
	}
	var r v1Response
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return nil, c.wrap(err, "query %s: decode answer", firstWords(q))
	}
	if r.Error != "" {
		return nil, c.wrap(&serverError{msg: r.Error}, "query %s", firstWords(q))
	}
	if len(r.Results) != 1 {
		return nil, fmt.Errorf("%s: query %s: %d results, want 1", c.where, firstWords(q), len(r.Results))
	}
	res := r.Results[0]
	if res.Error != "" {
		return nil, c.wrap(&serverError{msg: res.Error}, "query %s", firstWords(q))
	}
	if res.Partial {
		return nil, fmt.Errorf("%s: query %s: the answer was truncated (the server's max-row-limit?)", c.where, firstWords(q))
	}
	for _, s := range res.Series {
		if s.Partial {
			return nil, fmt.Errorf("%s: query %s: the answer was truncated (the server's max-row-limit?)", c.where, firstWords(q))
		}
	}
	return res.Series, nil
}

// gzipWriters recycles compressors for write bodies.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// v1Write posts line protocol to /write with nanosecond precision.
func (c *Conn) v1Write(ctx context.Context, body []byte) error {
	u := c.cfg.URL + "/write?" + url.Values{"db": {c.cfg.Database}, "precision": {"ns"}}.Encode()
	if c.cfg.RetentionPolicy != "" {
		u += "&" + url.Values{"rp": {c.cfg.RetentionPolicy}}.Encode()
	}
	var compressed bool
	if c.cfg.gzip(APIV1) {
		var buf bytes.Buffer
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&buf)
		_, _ = zw.Write(body)
		if err := zw.Close(); err != nil {
			return c.wrap(err, "compress write")
		}
		gzipWriters.Put(zw)
		body, compressed = buf.Bytes(), true
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return c.wrap(err, "write")
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	if compressed {
		req.Header.Set("Content-Encoding", "gzip")
	}
	c.v1Auth(req)
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.wrap(err, "write")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		return c.wrap(responseError(resp), "write")
	}
	return nil
}

// v1Auth sets basic authentication when the DSN has a user.
func (c *Conn) v1Auth(req *http.Request) {
	if c.cfg.Username != "" || c.cfg.Password != "" {
		req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	}
}

// firstWords returns the start of a statement, for messages: its first
// three words.
func firstWords(q string) string {
	f := strings.Fields(q)
	if len(f) > 3 {
		f = append(f[:3], "…")
	}
	return strings.Join(f, " ")
}

// quoteIdent quotes an InfluxQL identifier (database, measurement): double
// quotes, with backslash and double quote escaped.
func quoteIdent(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
