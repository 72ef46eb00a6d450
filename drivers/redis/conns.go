package redis

import (
	"context"
	"crypto/tls"
	"fmt"
	"math/bits"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/internal/blockconn"
)

var (
	_ drivers.WorkerConner        = (*Conn)(nil)
	_ drivers.ConnectionDescriber = (*Conn)(nil)
)

// clientOption returns the rueidis options of a client of cfg's server.
// sync turns auto-pipelining off: each command then takes a connection of
// the client's pool, writes itself and reads its answer on the caller's
// goroutine (rueidis' pipes without background goroutines). dialed, when
// set, is told every connection the client dials.
func clientOption(cfg Config, sync bool, dialed func(net.Conn)) rueidis.ClientOption {
	opt := rueidis.ClientOption{
		InitAddress:       []string{cfg.Addr},
		Username:          cfg.Username,
		Password:          cfg.Password,
		SelectDB:          cfg.DB,
		Dialer:            net.Dialer{Timeout: cfg.DialTimeout},
		ForceSingleClient: true, // no CLUSTER probe: storefit speaks to one server
		DisableCache:      true, // no client-side caching: every read goes to the server
		// No silent retries: a failed operation is an error the runner
		// counts, and a dead server fails operations at once instead of
		// holding them until their timeout.
		DisableRetry:          true,
		ClientName:            "storefit",
		DisableAutoPipelining: sync,
	}
	if cfg.Conn.Blocking() || dialed != nil {
		blocking := cfg.Conn.Blocking()
		opt.DialCtxFn = func(ctx context.Context, dst string, d *net.Dialer, _ *tls.Config) (net.Conn, error) {
			var c net.Conn
			var err error
			if blocking {
				c, err = blockconn.Dial(ctx, d, "tcp", dst)
			} else {
				c, err = d.DialContext(ctx, "tcp", dst)
			}
			if err == nil && dialed != nil {
				dialed(c)
			}
			return c, err
		}
	}
	return opt
}

// WorkerConn returns a Conn with a client of worker's own under
// conns=worker, nil under conns=shared (drivers.WorkerConner). The client
// sends one command at a time on its one connection, on the worker's
// goroutine (auto-pipelining off). rueidis does not watch a context while
// it waits for an answer in that mode, so the client cuts its connection
// when the operation's context is cancelled (a timeout, the end of the
// run): the operation fails then, not at the connection's write timeout,
// and the next one dials again.
func (c *Conn) WorkerConn(ctx context.Context, worker int) (drivers.Conn, error) {
	if !c.cfg.Conn.Worker() {
		return nil, nil
	}
	wc := &watchedClient{}
	client, err := rueidis.NewClient(clientOption(c.cfg, true, wc.dialed))
	if err != nil {
		return nil, fmt.Errorf("redis at %s: client of worker %d: %v", c.cfg.Addr, worker, oneLine(err.Error()))
	}
	wc.Client = client
	return &Conn{cfg: c.cfg, client: wc}, nil
}

// Connection says how the Conn reaches the server
// (drivers.ConnectionDescriber).
func (c *Conn) Connection() drivers.Connection {
	switch {
	case c.cfg.Conn.Worker():
		return drivers.Connection{Client: "rueidis (a client per worker, auto-pipelining off)", Conns: drivers.ConnsWorker,
			Pipelining: drivers.PipeliningOff, IO: c.cfg.Conn.IOName()}
	case c.cfg.Conn.Pipelining == drivers.PipeliningOff:
		return drivers.Connection{Client: "rueidis (auto-pipelining off: a pool, one command per connection at a time)", Conns: drivers.ConnsShared,
			Pipelining: drivers.PipeliningOff, IO: c.cfg.Conn.IOName()}
	}
	// rueidis' default multiplex: 2^min(2, log2 GOMAXPROCS) connections.
	mux := min(2, bits.Len(uint(runtime.GOMAXPROCS(0)))-1)
	return drivers.Connection{Client: "rueidis (auto-pipelining)", Conns: drivers.ConnsShared, PoolSize: 1 << max(mux, 0),
		Pipelining: drivers.PipeliningAuto, IO: drivers.IONetpoll}
}

// watchedClient is one worker's rueidis client that cuts its connection
// when the context of the command in flight is cancelled. It watches each
// distinct context once (the runner gives a worker a new one only after a
// timeout), so a command costs a comparison, not a registration.
type watchedClient struct {
	rueidis.Client
	conn atomic.Pointer[net.Conn] // the connection dialed last

	mu    sync.Mutex
	ctx   context.Context // the context watched
	unreg func() bool
}

func (w *watchedClient) dialed(c net.Conn) { w.conn.Store(&c) }

// watch arranges for the connection to be cut when ctx is cancelled.
func (w *watchedClient) watch(ctx context.Context) {
	if ctx.Done() == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if ctx == w.ctx {
		return
	}
	if w.unreg != nil {
		w.unreg()
	}
	w.ctx = ctx
	w.unreg = context.AfterFunc(ctx, func() {
		if c := w.conn.Load(); c != nil {
			// A deadline in the past fails the blocked read or write;
			// rueidis then drops the connection.
			(*c).SetDeadline(time.Unix(1, 0))
		}
	})
}

// Do runs cmd, watching ctx.
func (w *watchedClient) Do(ctx context.Context, cmd rueidis.Completed) rueidis.RedisResult {
	w.watch(ctx)
	return w.Client.Do(ctx, cmd)
}

// DoMulti runs cmds, watching ctx.
func (w *watchedClient) DoMulti(ctx context.Context, cmds ...rueidis.Completed) []rueidis.RedisResult {
	w.watch(ctx)
	return w.Client.DoMulti(ctx, cmds...)
}

// Close closes the client and stops watching.
func (w *watchedClient) Close() {
	w.mu.Lock()
	if w.unreg != nil {
		w.unreg()
	}
	w.mu.Unlock()
	w.Client.Close()
}
