// Package blockconn dials connections whose reads and writes are blocking
// system calls made by the calling goroutine's thread, instead of Go's
// network poller.
//
// A net.Conn from net.Dial reads with a non-blocking read(2); when no data
// is there yet (always, for a request that has just been sent) the goroutine
// parks on the runtime's network poller, the thread looks for other work,
// finds none, sleeps in epoll_wait, and the reply wakes it through the
// poller and the scheduler. For a client that sends a request and waits for
// its reply — one worker, one connection, no pipelining, as a YCSB thread,
// pgbench's clients or redis-benchmark's connections work — that round trip
// through the scheduler is most of the client's CPU per operation (about 15
// µs per PostgreSQL point read on the machine of docs/benchmarks.md, against
// libpq's 8.8 µs). A blocking read sleeps in the kernel until the reply
// arrives, as libpq's does: one system call per read, no poller, no
// scheduler hand-off. The thread is held while it waits, which is right for
// a worker that has nothing else to do and wrong for a server of many
// mostly idle connections.
//
// Deadlines are kept by a timer that shuts the socket down when one passes:
// the blocked call returns with os.ErrDeadlineExceeded and the connection
// is finished. That is the one departure from net.Conn: a passed deadline
// cannot be extended to reuse the connection. pgx and rueidis close a
// connection whose read or write failed anyway, so for the drivers that use
// it this changes nothing.
package blockconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// ErrUnsupported is returned by Dial where blocking connections are not
// implemented (systems other than Linux and the BSDs).
var ErrUnsupported = errors.New("blocking connections are not supported on this system")

// Dial connects to addr as d.DialContext does, then turns the connection
// into a Conn: its socket in blocking mode, read and written by the calling
// thread. network is one of those net.Dial takes for stream sockets ("tcp",
// "tcp4", "tcp6", "unix").
func Dial(ctx context.Context, d *net.Dialer, network, addr string) (net.Conn, error) {
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	bc, err := fromConn(c)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("blocking connection to %s: %w", addr, err)
	}
	return bc, nil
}

// Dialer returns a dial function, as pgconn's DialFunc and rueidis'
// DialCtxFn take, that dials with d and returns blocking Conns.
func Dialer(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return Dial(ctx, d, network, addr)
	}
}

// Conn is a stream connection read and written with blocking system calls.
// Read and Write may be called concurrently with each other, and Close and
// the deadline setters with either.
type Conn struct {
	f            *os.File
	laddr, raddr net.Addr
	closed       atomic.Bool
	read, write  deadline
}

// Read reads from the connection, blocking the calling thread until data
// arrives, the peer closes, or the read deadline passes.
func (c *Conn) Read(b []byte) (int, error) {
	if c.read.passed.Load() {
		return 0, os.ErrDeadlineExceeded
	}
	n, err := c.f.Read(b)
	if err != nil || n == 0 {
		return n, c.failed(&c.read, err)
	}
	return n, nil
}

// Write writes b whole, blocking the calling thread until the kernel has
// taken it, or until the write deadline passes.
func (c *Conn) Write(b []byte) (int, error) {
	if c.write.passed.Load() {
		return 0, os.ErrDeadlineExceeded
	}
	n, err := c.f.Write(b)
	if err != nil {
		return n, c.failed(&c.write, err)
	}
	return n, nil
}

// failed returns the error a failed call reports: the deadline's when d
// has passed (the timer shut the socket down under the call), net.ErrClosed
// after Close, else err as it is.
func (c *Conn) failed(d *deadline, err error) error {
	switch {
	case d.passed.Load():
		return os.ErrDeadlineExceeded
	case c.closed.Load():
		return net.ErrClosed
	}
	return err
}

// Close shuts the connection down, which wakes a call blocked on it, and
// closes its descriptor.
func (c *Conn) Close() error {
	if c.closed.Swap(true) {
		return net.ErrClosed
	}
	c.read.stop()
	c.write.stop()
	shutdown(c.f, shutRDWR)
	return c.f.Close()
}

// LocalAddr returns the local address.
func (c *Conn) LocalAddr() net.Addr { return c.laddr }

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.raddr }

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the time after which a read fails with
// os.ErrDeadlineExceeded and the connection can no longer be read; the
// zero time clears it.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.closed.Load() {
		return net.ErrClosed
	}
	c.read.set(t, func() { shutdown(c.f, shutRD) })
	return nil
}

// SetWriteDeadline sets the time after which a write fails with
// os.ErrDeadlineExceeded and the connection can no longer be written; the
// zero time clears it.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if c.closed.Load() {
		return net.ErrClosed
	}
	c.write.set(t, func() { shutdown(c.f, shutWR) })
	return nil
}

// deadline is one direction's deadline. Setting it stores the time and arms
// a timer only when none is armed early enough: clients that push the
// deadline forward before every request (rueidis does) cost an atomic store
// per request, not a timer reset. When the timer fires it acts only if the
// deadline it finds has passed, and otherwise re-arms for the rest.
type deadline struct {
	at     atomic.Int64 // unix ns; 0: none
	passed atomic.Bool

	mu    sync.Mutex
	timer *time.Timer
	armed int64 // unix ns the timer fires at; 0: not armed
	fire  func()
}

func (d *deadline) set(t time.Time, fire func()) {
	if d.passed.Load() {
		return
	}
	if t.IsZero() {
		d.at.Store(0)
		return
	}
	at := t.UnixNano()
	d.at.Store(at)
	now := time.Now().UnixNano()
	if at <= now {
		d.expire(fire)
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.armed != 0 && d.armed <= at {
		return // the timer fires first and re-arms for the rest
	}
	d.fire = fire
	d.armed = at
	if d.timer == nil {
		d.timer = time.AfterFunc(time.Duration(at-now), d.check)
	} else {
		d.timer.Reset(time.Duration(at - now))
	}
}

// check runs when the timer fires.
func (d *deadline) check() {
	d.mu.Lock()
	d.armed = 0
	at := d.at.Load()
	now := time.Now().UnixNano()
	if at == 0 {
		d.mu.Unlock()
		return
	}
	if at > now {
		d.armed = at
		d.timer.Reset(time.Duration(at - now))
		d.mu.Unlock()
		return
	}
	fire := d.fire
	d.mu.Unlock()
	d.expire(fire)
}

func (d *deadline) expire(fire func()) {
	if d.passed.Swap(true) {
		return
	}
	fire()
}

func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
	d.armed = 0
}
