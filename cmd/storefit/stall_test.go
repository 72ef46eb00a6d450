package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/storefit/storefit/results"
)

// stallProxy forwards TCP connections to a server and can stall them: it
// then stops reading from either side, as a SIGSTOPped server does (the
// kernel still accepts connections and buffers what is sent).
type stallProxy struct {
	l       net.Listener
	target  string
	mu      sync.Mutex
	cond    *sync.Cond
	stalled bool
	conns   []net.Conn
}

func newStallProxy(t *testing.T, target string) *stallProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{l: l, target: target}
	p.cond = sync.NewCond(&p.mu)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *stallProxy) addr() string { return p.l.Addr().String() }

func (p *stallProxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		u, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, u)
		p.mu.Unlock()
		go p.pipe(u, c)
		go p.pipe(c, u)
	}
}

// pipe copies from src to dst, waiting while the proxy is stalled.
func (p *stallProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		p.mu.Lock()
		for p.stalled {
			p.cond.Wait()
		}
		p.mu.Unlock()
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for p.stalled {
				p.cond.Wait()
			}
			p.mu.Unlock()
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// stall stops forwarding until resume.
func (p *stallProxy) stall() {
	p.mu.Lock()
	p.stalled = true
	p.mu.Unlock()
}

func (p *stallProxy) resume() {
	p.mu.Lock()
	p.stalled = false
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *stallProxy) close() {
	p.l.Close()
	p.resume()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// serverDSN returns the DSN of a real server from STOREFIT_<STORE>_DSN,
// skipping the test without it (failing it under STOREFIT_REQUIRE_SERVERS=1).
func serverDSN(t *testing.T, store string) string {
	t.Helper()
	env := "STOREFIT_" + strings.ToUpper(store) + "_DSN"
	dsn := os.Getenv(env)
	if dsn == "" {
		if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
			t.Fatalf("$%s is not set and STOREFIT_REQUIRE_SERVERS=1", env)
		}
		t.Skipf("$%s is not set", env)
	}
	return dsn
}

// viaProxy returns dsn with its host:port replaced by a stall proxy's.
func viaProxy(t *testing.T, dsn string) (string, *stallProxy) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Port() == "" {
		t.Fatalf("DSN %s: want a URL with a port", dsn)
	}
	p := newStallProxy(t, u.Host)
	u.Host = p.addr()
	return u.String(), p
}

// startRun starts storefit run with args and returns once its measured
// phase has started; wait returns the exit status and stderr.
func startRun(t *testing.T, dir string, args ...string) (cmd *exec.Cmd, wait func() (int, string)) {
	t.Helper()
	cmd = exec.Command(binary, append([]string{"run", "--progress", "lines"}, args...)...)
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		once := sync.Once{}
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), " run ") && strings.HasSuffix(sc.Text(), ": started") {
				once.Do(func() { close(started) })
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case <-started:
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("the measured phase did not start:\n%s", log.String())
	}
	return cmd, func() (int, string) {
		err := cmd.Wait()
		<-done
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), log.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, log.String()
	}
}

func readResult(t *testing.T, path string) *results.Result {
	t.Helper()
	r, err := results.ReadFile(path)
	if err != nil {
		t.Fatalf("no result: %v", err)
	}
	return r
}

// Issue 17: with the server stalled (SIGSTOPped; here a proxy that stops
// forwarding), Ctrl-C took 15 s — the postgres pool waited on every
// connection — and a second Ctrl-C, which the message invites, quit
// without writing any result. Now one Ctrl-C exits within 2 s and two
// Ctrl-C in a row exit at once, both with the partial result written.
func TestCtrlCWithStalledServer(t *testing.T) {
	for _, store := range []string{"postgres", "redis"} {
		t.Run(store, func(t *testing.T) {
			dsn, proxy := viaProxy(t, serverDSN(t, store))
			for _, presses := range []int{1, 2} {
				dir := t.TempDir()
				out := filepath.Join(dir, "r.json")
				cmd, wait := startRun(t, dir, "--workload", "point/c", "--store", store+"="+dsn, "--records", "1000",
					"--workers", "4", "--duration", "1h", "--warmup", "0s", "--out", out)
				time.Sleep(1500 * time.Millisecond)
				proxy.stall()
				time.Sleep(time.Second)
				sent := time.Now()
				for range presses {
					cmd.Process.Signal(syscall.SIGINT)
					time.Sleep(100 * time.Millisecond)
				}
				code, log := wait()
				took := time.Since(sent)
				proxy.resume()
				if code != exitInterrupted {
					t.Fatalf("%d Ctrl-C: exit %d, want %d:\n%s", presses, code, exitInterrupted, log)
				}
				if took > 2*time.Second {
					t.Errorf("%d Ctrl-C: exited %v after the first, want at most 2 s", presses, took.Round(time.Millisecond))
				}
				t.Logf("%s stalled, %d Ctrl-C: exited %v after the first", store, presses, took.Round(time.Millisecond))
				r := readResult(t, out)
				if r.Complete || len(r.Cells) != 1 || r.Cells[0].Status != results.StatusInterrupted {
					t.Fatalf("%d Ctrl-C: complete %v, cells %+v", presses, r.Complete, r.Cells)
				}
				if run := r.Cells[0].Run; run == nil || run.Ops == 0 {
					t.Errorf("%d Ctrl-C: the result lost what was measured: %s", presses, runSummary(run))
				}
				if !strings.Contains(r.Interrupted, "Ctrl-C") {
					t.Errorf("%d Ctrl-C: interrupted %q", presses, r.Interrupted)
				}
			}
		})
	}
}

// Issue 17: a --duration 4s run whose server stalled near the end measured
// for 12 s and reported complete: true. The phase ends a second after its
// deadline, the stall is recorded, and the result says it is incomplete.
func TestServerStallNearTheEnd(t *testing.T) {
	dsn, proxy := viaProxy(t, serverDSN(t, "postgres"))
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	_, wait := startRun(t, dir, "--workload", "point/c", "--store", "postgres="+dsn, "--records", "1000",
		"--workers", "2", "--duration", "4s", "--warmup", "0s", "--out", out)
	time.Sleep(2500 * time.Millisecond)
	proxy.stall()
	start := time.Now()
	code, log := wait()
	took := time.Since(start)
	proxy.resume()
	if took > 5*time.Second {
		t.Errorf("the run went on %v after the stall 2.5 s into a 4 s phase", took.Round(time.Millisecond))
	}
	r := readResult(t, out)
	if r.Complete || !strings.Contains(r.Interrupted, "stalled") {
		t.Errorf("complete %v, interrupted %q:\n%s", r.Complete, r.Interrupted, log)
	}
	c := r.Cells[0]
	if c.Run == nil || c.Run.Stalled == nil || c.Run.Stalled.Ops == 0 || c.Run.Seconds > 5.5 {
		t.Fatalf("run: %s", runSummary(c.Run))
	}
	if c.Status != results.StatusFailed || !strings.Contains(c.Error, "stalled") {
		t.Errorf("cell %s: %s", c.Status, c.Error)
	}
	if code != exitCellFailed {
		t.Errorf("exit %d, want %d (a failed cell)", code, exitCellFailed)
	}
	b, _ := json.Marshal(c.Run.Stalled)
	t.Logf("stall: %s, run %.1f s", b, c.Run.Seconds)
}

// runSummary shows a run's figures without its histograms.
func runSummary(r *results.Run) string {
	if r == nil {
		return "no run"
	}
	st, _ := json.Marshal(r.Stalled)
	return fmt.Sprintf("%.1f s, %d ops, %d errors, %d intervals, stalled %s, partial %v", r.Seconds, r.Ops, r.Errors, len(r.Intervals), st, r.Partial)
}
