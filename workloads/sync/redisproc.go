package syncwl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/redis/rueidis"
)

// ServerStopper is implemented by views whose server the workload runs
// itself, so the view-down fault can stop the real server and start it
// again (instead of failing the view's writes in storefit's client).
type ServerStopper interface {
	// StopServer stops the server cleanly (its data saved).
	StopServer(ctx context.Context) error
	// StartServer starts it again on the same address and data.
	StartServer(ctx context.Context) error
}

// redisProc is a private redis-server: 127.0.0.1 on a free port, data in a
// temporary directory (no snapshots while running; SHUTDOWN SAVE writes one
// at a stop, loaded at the next start).
type redisProc struct {
	bin, dir string
	port     int
	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{}
}

func startRedisProc(ctx context.Context, bin string) (*redisProc, error) {
	dir, err := os.MkdirTemp("", "storefit-sync-redis-")
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	p := &redisProc{bin: bin, dir: dir, port: port}
	if err := p.start(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return p, nil
}

func (p *redisProc) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

func (p *redisProc) start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	cmd := exec.Command(p.bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(p.port), "--dir", p.dir,
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", p.dir+"/redis.log")
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	p.cmd, p.done = cmd, done
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", p.addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("%s exited at start (see %s/redis.log)", p.bin, p.dir)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s does not answer on %s", p.bin, p.addr())
		}
	}
}

// stop asks the server to save and exit, and waits for it.
func (p *redisProc) stop(ctx context.Context, client rueidis.Client) error {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done == nil {
		return errors.New("redis-server not running")
	}
	_ = client.Do(ctx, client.B().Shutdown().Save().Build()).Error() // the connection drops: no answer
	select {
	case <-done:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("redis-server did not exit after SHUTDOWN SAVE")
	}
}

// close kills the server if it runs and removes its directory.
func (p *redisProc) close() error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd != nil {
		select {
		case <-done:
		default:
			_ = cmd.Process.Kill()
			<-done
		}
	}
	return os.RemoveAll(p.dir)
}

// NewOwnTimelineView starts a private redis-server (the binary bin) and
// returns a timeline view on it; the view-down fault then stops and
// restarts that server for real. Close stops it and removes its data.
func NewOwnTimelineView(ctx context.Context, bin, prefix string) (*TimelineView, error) {
	p, err := startRedisProc(ctx, bin)
	if err != nil {
		return nil, fmt.Errorf("timeline view: %w", err)
	}
	v, err := NewTimelineView(ctx, "redis://"+p.addr()+"/0", prefix)
	if err != nil {
		p.close()
		return nil, err
	}
	v.proc = p
	return v, nil
}

// StopServer stops the view's own server; only views made by
// NewOwnTimelineView have one.
func (v *TimelineView) StopServer(ctx context.Context) error {
	if v.proc == nil {
		return errors.New("timeline view: the server is not the workload's own")
	}
	return v.proc.stop(ctx, v.client)
}

// StartServer starts the view's own server again.
func (v *TimelineView) StartServer(ctx context.Context) error {
	if v.proc == nil {
		return errors.New("timeline view: the server is not the workload's own")
	}
	return v.proc.start(ctx)
}

// Address returns the address of the server the view uses.
func (v *TimelineView) Address() string { return v.addr }
