package placement

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

	"github.com/storefit/storefit/syncer"
)

var _ syncer.ServerStopper = (*serverProcess)(nil)

// serverProcess is a server the placement runs itself for one store
// (StoreConfig.Server): redis-server on 127.0.0.1 and a free port, its data
// in a temporary directory (no snapshots while it runs; a stop saves one,
// loaded at the next start). A fault can stop it for real and start it
// again on the same address and data.
type serverProcess struct {
	bin, dir string
	port     int
	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{}
}

// startServer starts the server of a store whose driver is driver.
func startServer(ctx context.Context, driver, bin string) (*serverProcess, error) {
	if driver != "redis" {
		return nil, fmt.Errorf("server %s: the placement runs servers of redis stores only", bin)
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("server %s: %w (install redis-server, or give the store a dsn)", bin, err)
	}
	dir, err := os.MkdirTemp("", "storefit-placement-redis-")
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
	p := &serverProcess{bin: path, dir: dir, port: port}
	if err := p.StartServer(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return p, nil
}

func (p *serverProcess) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

// dsn returns the server's DSN.
func (p *serverProcess) dsn() string { return "redis://" + p.addr() + "/0" }

// StartServer starts the server (again) and waits until it answers.
func (p *serverProcess) StartServer(ctx context.Context) error {
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

// StopServer asks the server to save and exit (SHUTDOWN SAVE) and waits
// for it.
func (p *serverProcess) StopServer(ctx context.Context) error {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done == nil {
		return errors.New("the server is not running")
	}
	c, err := net.DialTimeout("tcp", p.addr(), time.Second)
	if err != nil {
		return fmt.Errorf("stop %s: %w", p.bin, err)
	}
	_, _ = c.Write([]byte("*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n")) // the connection drops: no answer
	c.Close()
	select {
	case <-done:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("%s did not exit after SHUTDOWN SAVE", p.bin)
	}
}

// close kills the server if it runs and removes its directory.
func (p *serverProcess) close() error {
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
