package debezium

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrConnectorNotFound is returned for a connector the worker does not
// have.
var ErrConnectorNotFound = errors.New("debezium: no such connector")

// Connect is a client of a Kafka Connect worker's REST API (standalone or
// distributed: the API is the same).
type Connect struct {
	base string
	http *http.Client
}

// NewConnect returns a client of the worker at the DSN, its REST endpoint
// http://HOST:PORT (what compose/native/debezium.sh prints).
func NewConnect(dsn string) (*Connect, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("kafka connect DSN %q: %w", dsn, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, fmt.Errorf("kafka connect DSN %q: want http://HOST:PORT", dsn)
	}
	return &Connect{base: u.Scheme + "://" + u.Host, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// ConnectorStatus is a connector's state and its tasks' (GET
// /connectors/NAME/status).
type ConnectorStatus struct {
	Name      string `json:"name"`
	Connector struct {
		State string `json:"state"`
		Trace string `json:"trace"`
	} `json:"connector"`
	Tasks []struct {
		ID    int    `json:"id"`
		State string `json:"state"`
		Trace string `json:"trace"`
	} `json:"tasks"`
}

// Running reports whether the connector and all its tasks (one at least)
// are RUNNING.
func (s ConnectorStatus) Running() bool {
	if s.Connector.State != "RUNNING" || len(s.Tasks) == 0 {
		return false
	}
	for _, t := range s.Tasks {
		if t.State != "RUNNING" {
			return false
		}
	}
	return true
}

// Failure returns the first line of the trace of the connector or of a task
// that FAILED, or "" when none did.
func (s ConnectorStatus) Failure() string {
	first := func(trace string) string {
		line, _, _ := strings.Cut(trace, "\n")
		return line
	}
	if s.Connector.State == "FAILED" {
		return "connector: " + first(s.Connector.Trace)
	}
	for _, t := range s.Tasks {
		if t.State == "FAILED" {
			return fmt.Sprintf("task %d: %s", t.ID, first(t.Trace))
		}
	}
	return ""
}

// Put creates the connector, or replaces its configuration (the worker
// restarts it), with PUT /connectors/NAME/config.
func (c *Connect) Put(ctx context.Context, name string, config map[string]string) error {
	body, err := json.Marshal(config)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, http.MethodPut, "/connectors/"+url.PathEscape(name)+"/config", body, http.StatusOK, http.StatusCreated)
	return err
}

// Status returns the connector's status; ErrConnectorNotFound when the
// worker does not have it.
func (c *Connect) Status(ctx context.Context, name string) (ConnectorStatus, error) {
	var s ConnectorStatus
	b, err := c.do(ctx, http.MethodGet, "/connectors/"+url.PathEscape(name)+"/status", nil, http.StatusOK)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("kafka connect %s: status of %s: %w", c.base, name, err)
	}
	return s, nil
}

// WaitRunning polls the connector's status until it and its tasks are
// RUNNING; it fails at once when one of them FAILED, and when ctx ends.
func (c *Connect) WaitRunning(ctx context.Context, name string) error {
	last := "not created yet"
	for {
		s, err := c.Status(ctx, name)
		switch {
		case err == nil && s.Running():
			return nil
		case err == nil && s.Failure() != "":
			return fmt.Errorf("kafka connect %s: connector %s failed: %s", c.base, name, s.Failure())
		case err == nil:
			last = "connector " + s.Connector.State
			if len(s.Tasks) == 0 {
				last += ", no task yet"
			}
		case !errors.Is(err, ErrConnectorNotFound):
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafka connect %s: connector %s not running (%s): %w", c.base, name, last, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Delete deletes the connector (its tasks stop); one that does not exist
// is not an error.
func (c *Connect) Delete(ctx context.Context, name string) error {
	_, err := c.do(ctx, http.MethodDelete, "/connectors/"+url.PathEscape(name), nil, http.StatusNoContent, http.StatusOK)
	if errors.Is(err, ErrConnectorNotFound) {
		return nil
	}
	return err
}

// Connectors lists the names of the worker's connectors.
func (c *Connect) Connectors(ctx context.Context) ([]string, error) {
	b, err := c.do(ctx, http.MethodGet, "/connectors", nil, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return nil, fmt.Errorf("kafka connect %s: connectors: %w", c.base, err)
	}
	return names, nil
}

// do sends a request and returns the response body when its status is one
// of want; 404 is ErrConnectorNotFound, any other status an error with the
// worker's message.
func (c *Connect) do(ctx context.Context, method, path string, body []byte, want ...int) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("kafka connect %s: %s %s: %w", c.base, method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("kafka connect %s: %s %s: %w", c.base, method, path, err)
	}
	for _, w := range want {
		if resp.StatusCode == w {
			return b, nil
		}
	}
	var msg struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(b, &msg) != nil || msg.Message == "" {
		msg.Message = strings.TrimSpace(string(b))
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("kafka connect %s: %s %s: %w (%s)", c.base, method, path, ErrConnectorNotFound, msg.Message)
	}
	return nil, fmt.Errorf("kafka connect %s: %s %s: %s: %s", c.base, method, path, resp.Status, msg.Message)
}
