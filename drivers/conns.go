package drivers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Connection arrangements (DSN option conns, Connection.Conns).
const (
	// ConnsShared is every client's default: the workers share the
	// client's connections — a pool an operation borrows one from, or
	// connections on which the client multiplexes or pipelines the
	// workers' requests.
	ConnsShared = "shared"
	// ConnsWorker gives each worker of a measured phase a connection of
	// its own, held for the whole phase, on which it sends one request and
	// waits for its answer: what a YCSB thread (each with its own DB
	// client), a pgbench client and a redis-benchmark connection do.
	ConnsWorker = "worker"
	// ConnsInProcess is an embedded store's: no connection at all.
	ConnsInProcess = "in-process"
)

// Pipelining (DSN option pipelining where the client pipelines,
// Connection.Pipelining).
const (
	// PipeliningOff: a connection carries one request at a time.
	PipeliningOff = "off"
	// PipeliningAuto: concurrent requests on a shared connection are
	// written together without waiting for each other's answers
	// (rueidis' auto-pipelining).
	PipeliningAuto = "auto"
	// PipeliningMultiplexed: concurrent requests share a connection,
	// each tagged so answers can come back in any order (Cassandra's
	// stream ids).
	PipeliningMultiplexed = "multiplexed"
)

// Network I/O of a client (DSN option io, Connection.IO).
const (
	// IONetpoll is Go's: a read with no data yet parks the goroutine on
	// the runtime's network poller until the answer wakes it.
	IONetpoll = "netpoll"
	// IOBlocking reads and writes with blocking system calls on the
	// worker's own thread (drivers/internal/blockconn), as libpq,
	// pgbench and redis-benchmark's blocking clients do: about half the
	// system calls and context switches per request.
	IOBlocking = "blocking"
)

// Connection says how a Conn reaches its store, so that a result states
// which system was measured: a figure of 16 workers pipelining on one
// connection and one of 16 blocking connections answer different
// questions. Results record it per cell and reports show it.
type Connection struct {
	// Client names the client library and how it is used, e.g. "pgx
	// (pgxpool)".
	Client string
	// Conns is ConnsShared, ConnsWorker or ConnsInProcess.
	Conns string
	// PoolSize is the most connections shared workers use (0: unbounded
	// or set by the client).
	PoolSize int
	// Pipelining is PipeliningOff, PipeliningAuto or
	// PipeliningMultiplexed.
	Pipelining string
	// Prepared says how statements are sent, where the store has
	// prepared statements, e.g. "prepared once per connection (pgx
	// statement cache)"; empty where it has none.
	Prepared string
	// IO is IONetpoll or IOBlocking; empty for in-process stores.
	IO string
}

// YCSB reports whether c has YCSB's semantics: one connection per worker
// and one request in flight on it.
func (c Connection) YCSB() bool { return c.Conns == ConnsWorker && c.Pipelining == PipeliningOff }

// ConnectionDescriber is an optional interface of a Conn that says how it
// reaches its store (Connection). Server drivers implement it; results of
// a store that does not leave the connection unstated.
type ConnectionDescriber interface {
	Connection() Connection
}

// ConnectionOf returns c's Connection and whether c describes one.
func ConnectionOf(c Conn) (Connection, bool) {
	d, ok := c.(ConnectionDescriber)
	if !ok {
		return Connection{}, false
	}
	return d.Connection(), true
}

// WorkerConner is an optional interface of a Conn that can give each
// worker of a measured phase a connection of its own (DSN option
// conns=worker). The runner calls WorkerConn once per worker before the
// warm-up and builds that worker's operations on the Conn returned, which
// it closes after the cell's last measured phase. WorkerConn returns nil
// and no error when the workers share c (conns=shared). The Conn returned
// serves the same patterns as c on the same data, with c's settings.
type WorkerConner interface {
	WorkerConn(ctx context.Context, worker int) (Conn, error)
}

// WorkerConns returns the Conn each of n workers runs its operations on:
// its own when c gives workers their own connections (WorkerConner, DSN
// option conns=worker), else c. The workers' global ids start at first.
// closeAll closes the Conns opened for the workers; call it also after an
// error.
func WorkerConns(ctx context.Context, c Conn, first, n int) (conns []Conn, closeAll func() error, err error) {
	conns = make([]Conn, n)
	var own []Conn
	closeAll = func() error {
		var errs []error
		for _, o := range own {
			errs = append(errs, o.Close())
		}
		own = nil
		return errors.Join(errs...)
	}
	wc, ok := c.(WorkerConner)
	for i := range conns {
		conns[i] = c
		if !ok {
			continue
		}
		o, err := wc.WorkerConn(ctx, first+i)
		if err != nil {
			return nil, closeAll, fmt.Errorf("connect worker %d: %w", first+i, err)
		}
		if o != nil {
			conns[i] = o
			own = append(own, o)
		}
	}
	return conns, closeAll, nil
}

// ConnOptions are the connection options server drivers read from their
// DSN: conns (ConnsShared or ConnsWorker), io (IONetpoll or IOBlocking)
// and, for clients that pipeline on shared connections, pipelining
// (PipeliningAuto or PipeliningOff). Zero values mean the client's
// defaults.
type ConnOptions struct {
	Conns      string
	IO         string
	Pipelining string
	// Own is not a DSN option: a driver sets it in the configuration of
	// a Conn it opens for one worker (WorkerConn), whose client then keeps
	// one connection.
	Own bool
}

// ConnOptionNames are the DSN option names ConnOptions.Set takes, for
// drivers' lists of known options.
var ConnOptionNames = []string{"conns", "io", "pipelining"}

// Set takes DSN option name=value if it is a connection option: known
// reports whether it is one, err whether its value is bad.
func (o *ConnOptions) Set(name, value string) (known bool, err error) {
	var dst *string
	var allowed []string
	switch name {
	case "conns":
		dst, allowed = &o.Conns, []string{ConnsShared, ConnsWorker}
	case "io":
		dst, allowed = &o.IO, []string{IONetpoll, IOBlocking}
	case "pipelining":
		dst, allowed = &o.Pipelining, []string{PipeliningAuto, PipeliningOff}
	default:
		return false, nil
	}
	for _, a := range allowed {
		if value == a {
			*dst = value
			return true, nil
		}
	}
	return true, fmt.Errorf("%s=%q: use %s", name, value, strings.Join(allowed, " or "))
}

// Worker reports whether the options ask for a connection per worker.
func (o ConnOptions) Worker() bool { return o.Conns == ConnsWorker }

// Blocking reports whether the options ask for blocking I/O.
func (o ConnOptions) Blocking() bool { return o.IO == IOBlocking }

// IOName returns the I/O the options give: IOBlocking or IONetpoll.
func (o ConnOptions) IOName() string {
	if o.Blocking() {
		return IOBlocking
	}
	return IONetpoll
}

// ConnCaps says which connection options a driver offers besides conns.
type ConnCaps struct {
	// Blocking: the client reads and writes each connection on the
	// caller's goroutine, one request at a time, so io=blocking applies.
	Blocking bool
	// Pipelining: the client pipelines the workers' requests on shared
	// connections by default, and pipelining=off turns that off.
	Pipelining bool
}

// Check refuses options the driver of store does not offer (caps), and
// io=blocking on auto-pipelined connections: those are read by the
// client's own goroutines, where blocking calls would hold a thread each
// and spare nothing.
func (o ConnOptions) Check(store string, caps ConnCaps) error {
	if o.Pipelining != "" && !caps.Pipelining {
		return fmt.Errorf("pipelining=%s: the %s client does not pipeline requests on shared connections; conns=worker gives each worker a connection of its own", o.Pipelining, store)
	}
	if !o.Blocking() {
		return nil
	}
	if !caps.Blocking {
		return fmt.Errorf("io=blocking: the %s client reads its connections on goroutines of its own, which blocking calls would not spare; leave io out", store)
	}
	if caps.Pipelining && !o.Worker() && o.Pipelining != PipeliningOff {
		return fmt.Errorf("io=blocking needs conns=worker or pipelining=off: the %s client's auto-pipelined connections are read by goroutines of its own", store)
	}
	return nil
}

// HTTPConnection returns the Connection of a store client over HTTP/1.1
// (net/http: keep-alive, never pipelined) named client, with options o: a
// transport whose idle connections the workers share, up to idle of them
// kept, or a worker's own client of one connection.
func HTTPConnection(client string, o ConnOptions, idle int) Connection {
	c := Connection{Client: client + " (net/http, keep-alive)", Conns: ConnsShared, PoolSize: idle,
		Pipelining: PipeliningOff, IO: IONetpoll}
	if o.Worker() {
		c.Client, c.Conns, c.PoolSize = client+" (net/http, a client of one connection per worker)", ConnsWorker, 0
	}
	return c
}

// OwnHTTP limits t to the one connection of a worker's own client when o
// says so (ConnOptions.Own), and returns t.
func OwnHTTP(t *http.Transport, o ConnOptions) *http.Transport {
	if o.Own {
		t.MaxConnsPerHost, t.MaxIdleConnsPerHost, t.MaxIdleConns = 1, 1, 1
	}
	return t
}
