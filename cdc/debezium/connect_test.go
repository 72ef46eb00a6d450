package debezium

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeWorker is a Kafka Connect REST API with one connector whose status
// goes through the given states, one per status request.
type fakeWorker struct {
	mu       sync.Mutex
	states   []string // "RUNNING", "FAILED", "" (no task yet), …
	trace    string
	config   map[string]string
	putError string // non-empty: PUT answers 400 with this message
	deleted  bool
}

func (f *fakeWorker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodPut && r.URL.Path == "/connectors/c1/config":
		if f.putError != "" {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]any{"error_code": 400, "message": f.putError})
			return
		}
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &f.config)
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"name":"c1"}`))
	case r.Method == http.MethodGet && r.URL.Path == "/connectors/c1/status":
		if f.config == nil || f.deleted {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error_code":404,"message":"Connector c1 not found"}`))
			return
		}
		state := f.states[0]
		if len(f.states) > 1 {
			f.states = f.states[1:]
		}
		tasks := `[]`
		if state != "" {
			tasks = `[{"id":0,"state":"` + state + `","trace":` + quote(f.trace) + `}]`
		}
		w.Write([]byte(`{"name":"c1","connector":{"state":"RUNNING"},"tasks":` + tasks + `}`))
	case r.Method == http.MethodDelete && r.URL.Path == "/connectors/c1":
		if f.config == nil || f.deleted {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		f.deleted = true
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func testConnector() PostgresConnector {
	return PostgresConnector{
		Name: "c1", DSN: "postgres://storefit:s3cret@127.0.0.1:5432/db", Slot: "s1",
		Tables: []string{"t"}, TopicPrefix: "p",
	}
}

func TestRegisterPostgres(t *testing.T) {
	tests := []struct {
		name    string
		worker  *fakeWorker
		wantErr string // "" = success
	}{
		{name: "running after a while", worker: &fakeWorker{states: []string{"", "UNASSIGNED", "RUNNING"}}},
		{
			name:    "task failed",
			worker:  &fakeWorker{states: []string{"", "FAILED"}, trace: "org.postgresql.util.PSQLException: FATAL: role lacks REPLICATION\n\tat …"},
			wantErr: "task 0: org.postgresql.util.PSQLException: FATAL: role lacks REPLICATION",
		},
		{
			name:    "invalid configuration",
			worker:  &fakeWorker{states: []string{"RUNNING"}, putError: "Connector configuration is invalid: database.password=s3cret rejected"},
			wantErr: "Connector configuration is invalid",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.worker)
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := RegisterPostgres(ctx, srv.URL, testConnector())
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tt.worker.config["slot.name"] != "s1" || tt.worker.config["database.password"] != "s3cret" {
					t.Errorf("worker got config %v", tt.worker.config)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one with %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func TestRegisterPostgresTimeout(t *testing.T) {
	w := &fakeWorker{states: []string{""}}
	srv := httptest.NewServer(w)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := RegisterPostgres(ctx, srv.URL, testConnector())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no task yet") {
		t.Fatalf("error %v, want a deadline saying the connector has no task yet", err)
	}
}

func TestDeleteConnector(t *testing.T) {
	w := &fakeWorker{states: []string{"RUNNING"}, config: map[string]string{}}
	srv := httptest.NewServer(w)
	defer srv.Close()
	ctx := context.Background()
	for range 2 { // the second time the connector is gone: no error
		if err := DeleteConnector(ctx, srv.URL, "c1"); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := NewConnect(srv.URL)
	if _, err := c.Status(ctx, "c1"); !errors.Is(err, ErrConnectorNotFound) {
		t.Errorf("status after delete: %v, want ErrConnectorNotFound", err)
	}
}

func TestNewConnectDSN(t *testing.T) {
	for _, dsn := range []string{"http://127.0.0.1:8083", "https://h:1", "http://h:8083/"} {
		if _, err := NewConnect(dsn); err != nil {
			t.Errorf("NewConnect(%q): %v", dsn, err)
		}
	}
	for _, dsn := range []string{"", "127.0.0.1:8083", "kafka://h:1", "http://h:8083/connectors", "http://h:1?x=1", "http://"} {
		if _, err := NewConnect(dsn); err == nil {
			t.Errorf("NewConnect(%q): no error", dsn)
		}
	}
}

// FuzzDecode checks that Decode never panics and that what it accepts is
// a change with a known op and the images that op needs.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"read", "create", "update", "delete", "tombstone"} {
		k, v := fixture(f, name)
		f.Add(k, v)
	}
	f.Add([]byte(`{"schema":{},"payload":{"id":1}}`), []byte(`{"schema":{},"payload":{"op":"d","before":{"id":1},"source":{}}}`))
	f.Fuzz(func(t *testing.T, key, value []byte) {
		c, err := Decode(key, value)
		if err != nil {
			return
		}
		switch c.Op {
		case OpCreate, OpUpdate, OpRead:
			if c.After == nil {
				t.Errorf("%s without after image", c.Op)
			}
		case OpDelete, OpTruncate:
		default:
			t.Errorf("accepted op %q", byte(c.Op))
		}
	})
}
