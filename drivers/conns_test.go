package drivers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestConnOptionsSetCheck(t *testing.T) {
	for _, tc := range []struct {
		opts    string // name=value&…
		caps    ConnCaps
		wantErr string
	}{
		{"", ConnCaps{}, ""},
		{"conns=worker", ConnCaps{}, ""},
		{"conns=shared", ConnCaps{}, ""},
		{"conns=many", ConnCaps{}, `conns="many": use shared or worker`},
		{"io=blocking", ConnCaps{}, "io=blocking: the s client reads its connections on goroutines of its own"},
		{"io=blocking&conns=worker", ConnCaps{Blocking: true}, ""},
		{"io=blocking", ConnCaps{Blocking: true}, ""},
		{"io=uring", ConnCaps{Blocking: true}, `io="uring": use netpoll or blocking`},
		{"pipelining=off", ConnCaps{}, "does not pipeline"},
		{"pipelining=off", ConnCaps{Pipelining: true}, ""},
		{"io=blocking", ConnCaps{Blocking: true, Pipelining: true}, "needs conns=worker or pipelining=off"},
		{"io=blocking&pipelining=off", ConnCaps{Blocking: true, Pipelining: true}, ""},
		{"io=blocking&conns=worker", ConnCaps{Blocking: true, Pipelining: true}, ""},
	} {
		var o ConnOptions
		var err error
		if tc.opts != "" {
			for _, kv := range strings.Split(tc.opts, "&") {
				k, v, _ := strings.Cut(kv, "=")
				known, serr := o.Set(k, v)
				if !known {
					t.Fatalf("%s: %s not known", tc.opts, k)
				}
				if serr != nil {
					err = serr
					break
				}
			}
		}
		if err == nil {
			err = o.Check("s", tc.caps)
		}
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%q %+v: %v", tc.opts, tc.caps, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%q %+v: error %v, want %q", tc.opts, tc.caps, err, tc.wantErr)
		}
	}
	if known, err := new(ConnOptions).Set("pool", "3"); known || err != nil {
		t.Errorf("Set(pool) = %v, %v: want an unknown option", known, err)
	}
}

func TestHTTPConnection(t *testing.T) {
	shared := HTTPConnection("c", ConnOptions{}, 512)
	if shared.Conns != ConnsShared || shared.PoolSize != 512 || shared.YCSB() {
		t.Errorf("shared: %+v", shared)
	}
	own := HTTPConnection("c", ConnOptions{Conns: ConnsWorker}, 512)
	if own.Conns != ConnsWorker || own.Pipelining != PipeliningOff || !own.YCSB() {
		t.Errorf("worker: %+v", own)
	}
	tr := OwnHTTP(&http.Transport{MaxIdleConnsPerHost: 256}, ConnOptions{Own: true})
	if tr.MaxConnsPerHost != 1 || tr.MaxIdleConnsPerHost != 1 {
		t.Errorf("a worker's transport allows %d connections (%d idle)", tr.MaxConnsPerHost, tr.MaxIdleConnsPerHost)
	}
	if tr := OwnHTTP(&http.Transport{MaxIdleConnsPerHost: 256}, ConnOptions{}); tr.MaxIdleConnsPerHost != 256 {
		t.Error("OwnHTTP changed a shared transport")
	}
}

// workerConner gives workers Conns of their own, failing for worker fail.
type workerConner struct {
	fail   int
	opened []*ownConn
}

type ownConn struct{ closed bool }

func (o *ownConn) Close() error      { o.closed = true; return nil }
func (w *workerConner) Close() error { return nil }
func (w *workerConner) WorkerConn(_ context.Context, worker int) (Conn, error) {
	if worker == w.fail {
		return nil, errors.New("refused")
	}
	o := &ownConn{}
	w.opened = append(w.opened, o)
	return o, nil
}

type sharedConn struct{}

func (sharedConn) Close() error { return nil }

func TestWorkerConns(t *testing.T) {
	ctx := context.Background()
	conns, closeAll, err := WorkerConns(ctx, sharedConn{}, 0, 3)
	if err != nil || len(conns) != 3 || conns[2] != (sharedConn{}) || closeAll() != nil {
		t.Fatalf("shared: %v %v", conns, err)
	}
	w := &workerConner{fail: -1}
	conns, closeAll, err = WorkerConns(ctx, w, 4, 2)
	if err != nil || len(w.opened) != 2 || conns[0] != w.opened[0] || conns[1] != w.opened[1] {
		t.Fatalf("worker: %v %v", conns, err)
	}
	closeAll()
	if !w.opened[0].closed || !w.opened[1].closed {
		t.Error("closeAll left a worker's Conn open")
	}
	w = &workerConner{fail: 5}
	_, closeAll, err = WorkerConns(ctx, w, 4, 3)
	if err == nil || !strings.Contains(err.Error(), "connect worker 5: refused") {
		t.Fatalf("error %v, want worker 5's", err)
	}
	closeAll()
	if len(w.opened) != 1 || !w.opened[0].closed {
		t.Error("after an error, closeAll left the Conns already opened")
	}
}
