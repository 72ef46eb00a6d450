package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/storefit/storefit/runner"
)

// nativeFaults injects faults into servers started by compose/native
// (storefit up): it finds a server's process with its script's pid action
// and signals it and its children (SIGSTOP and SIGCONT for a pause, SIGKILL
// for a kill), and restarts a server with its script — start after a kill
// (the server recovers its data), stop and start for restart-empty (stop
// removes the data). It acts only on servers whose script reports the
// address the cell's DSN names, so a fault never reaches a server storefit
// did not start.
type nativeFaults struct {
	dir string // compose/
	// servers holds what the plan's faults act on, by server name.
	servers map[string]*nativeServer
}

// nativeServer is one server faults act on.
type nativeServer struct {
	name, script string
	// port is the server's port, pinned when the script restarts it.
	port string
	mu   sync.Mutex
	// paused are the processes a pause stopped.
	paused []int
}

// faultServer returns the server a fault of cell acts on: the one it
// names, else the cell's store without its label.
func faultServer(f runner.Fault, cell runner.Cell) string {
	if f.Server != "" {
		return f.Server
	}
	base, _, _ := strings.Cut(cell.Store, ":")
	return base
}

// newNativeFaults checks that every server the plan's faults act on was
// started by compose/native and is the one its cells measure, and returns
// the injector.
func newNativeFaults(ctx context.Context, plan runner.Plan) (*nativeFaults, error) {
	if runtime.GOOS != "linux" {
		return nil, errors.New("--fault needs Linux (it finds a server's processes in /proc)")
	}
	dir, err := findComposeDir()
	if err != nil {
		return nil, fmt.Errorf("--fault acts on servers started by compose/native: %w", err)
	}
	nf := &nativeFaults{dir: dir, servers: map[string]*nativeServer{}}
	known := knownServers(dir)
	for _, c := range plan.Cells {
		for _, f := range c.Config.Faults {
			name := faultServer(f, c)
			if !slices.Contains(known, name) {
				return nil, fmt.Errorf("--fault %s: no server %q in %s (known: %s); name the server of a composite store with :SERVER", f, name, filepath.Join(dir, "native"), strings.Join(known, ", "))
			}
			s, err := nf.server(ctx, name)
			if err != nil {
				return nil, fmt.Errorf("--fault %s: %w", f, err)
			}
			if f.Server == "" && c.DSN != "" {
				if want, got := dsnAddress(c.DSN), net.JoinHostPort("127.0.0.1", s.port); want != "" && !sameAddress(want, got) {
					return nil, fmt.Errorf("--fault %s: the %s server compose/native started (STOREFIT_NATIVE_DIR=%s) answers at %s, but %s's DSN names %s: faults act only on a server storefit up started", f, name, nativeDir(), got, c.Store, want)
				}
			}
		}
	}
	return nf, nil
}

// server returns the server name, checking that it runs.
func (nf *nativeFaults) server(ctx context.Context, name string) (*nativeServer, error) {
	if s, ok := nf.servers[name]; ok {
		return s, nil
	}
	s := &nativeServer{name: name, script: filepath.Join(nf.dir, "native", name+".sh")}
	if _, err := s.pid(ctx); err != nil {
		return nil, fmt.Errorf("the %s server does not run under compose/native (STOREFIT_NATIVE_DIR=%s); start it with 'storefit up %s' (%v)", name, nativeDir(), name, err)
	}
	dsn, err := s.run(ctx, "dsn", nil)
	if err != nil {
		return nil, err
	}
	_, port, err := net.SplitHostPort(dsnAddress(dsn))
	if err != nil {
		return nil, fmt.Errorf("%s dsn printed %q, which names no port", s.script, dsn)
	}
	s.port = port
	nf.servers[name] = s
	return s, nil
}

// nativeDir is the directory compose/native keeps servers in.
func nativeDir() string {
	if d := os.Getenv("STOREFIT_NATIVE_DIR"); d != "" {
		return d
	}
	return "/tmp/storefit-native"
}

// Begin puts f into effect (runner.FaultInjector).
func (nf *nativeFaults) Begin(ctx context.Context, f runner.Fault, store, dsn string) error {
	s := nf.servers[faultServer(f, runner.Cell{Store: store})]
	if s == nil {
		return fmt.Errorf("no server for fault %s", f)
	}
	switch f.Kind {
	case runner.FaultPause:
		return s.pause(ctx)
	case runner.FaultKill:
		return s.kill(ctx)
	case runner.FaultRestartEmpty:
		_, err := s.run(ctx, "stop", nil)
		return err
	}
	return fmt.Errorf("unknown fault kind %q", f.Kind)
}

// End ends f (runner.FaultInjector): it resumes a paused server even when
// ctx is done, and starts a stopped one again unless it is.
func (nf *nativeFaults) End(ctx context.Context, f runner.Fault, store, dsn string) error {
	s := nf.servers[faultServer(f, runner.Cell{Store: store})]
	if s == nil {
		return fmt.Errorf("no server for fault %s", f)
	}
	if f.Kind == runner.FaultPause {
		return s.resume()
	}
	if ctx.Err() != nil {
		return fmt.Errorf("the run was interrupted, so the %s server was left stopped: start it again with 'storefit up %s'", s.name, s.name)
	}
	_, err := s.run(ctx, "start", []string{"STOREFIT_" + strings.ToUpper(s.name) + "_PORT=" + s.port})
	return err
}

// pause stops the server's processes.
func (s *nativeServer) pause(ctx context.Context) error {
	main, err := s.pid(ctx)
	if err != nil {
		return err
	}
	pids := processTree(main)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range pids {
		if err := syscall.Kill(p, syscall.SIGSTOP); err == nil {
			s.paused = append(s.paused, p)
		}
	}
	if len(s.paused) == 0 {
		return fmt.Errorf("could not stop any process of the %s server (pid %d)", s.name, main)
	}
	return nil
}

// resume continues the processes a pause stopped.
func (s *nativeServer) resume() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, p := range s.paused {
		if err := syscall.Kill(p, syscall.SIGCONT); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("resume pid %d: %w", p, err))
		}
	}
	s.paused = nil
	return errors.Join(errs...)
}

// kill kills the server's processes and waits until its main process is
// gone.
func (s *nativeServer) kill(ctx context.Context) error {
	main, err := s.pid(ctx)
	if err != nil {
		return err
	}
	tree := processTree(main)
	for _, p := range tree {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	// Wait until the processes are gone, reaped too: a server refuses to
	// start while its old process id still exists, and a zombie's does
	// (some init processes reap orphans only every few seconds).
	deadline := time.Now().Add(30 * time.Second)
	for _, p := range tree {
		for exists(p) {
			if time.Now().After(deadline) {
				return fmt.Errorf("the %s server's process %d still exists 30 s after SIGKILL", s.name, p)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

// pid returns the server's main process, as its script reports it.
func (s *nativeServer) pid(ctx context.Context) (int, error) {
	out, err := s.run(ctx, "pid", nil)
	if err != nil {
		return 0, err
	}
	p, err := strconv.Atoi(out)
	if err != nil || p <= 1 {
		return 0, fmt.Errorf("%s pid printed %q, not a process id", s.script, out)
	}
	return p, nil
}

// run runs the server's script with action (and env added to storefit's
// environment) and returns the last line it printed; its messages are
// kept for the error.
func (s *nativeServer) run(ctx context.Context, action string, env []string) (string, error) {
	var out, errb bytes.Buffer
	c := exec.CommandContext(ctx, "bash", s.script, action)
	c.Env = append(os.Environ(), env...)
	// A server may run as another user (postgres, when storefit runs as
	// root), who cannot enter storefit's working directory.
	c.Dir = "/"
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		msg := strings.Join(strings.Fields(errb.String()), " ")
		return "", fmt.Errorf("%s %s: %v %s", filepath.Base(s.script), action, err, msg)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}

// processTree returns pid and its descendants (from /proc), parents first.
func processTree(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		if pp, err := strconv.Atoi(f[1]); err == nil {
			children[pp] = append(children[pp], p)
		}
	}
	tree := []int{pid}
	for i := 0; i < len(tree); i++ {
		tree = append(tree, children[tree[i]]...)
	}
	return tree
}

// exists reports whether process pid exists (a zombie does).
func exists(pid int) bool {
	_, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid)))
	return err == nil
}

// dsnAddress returns the host:port a DSN names, or "" when it cannot tell
// (a keyword/value DSN, no port).
func dsnAddress(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" || u.Port() == "" {
		return ""
	}
	return net.JoinHostPort(u.Hostname(), u.Port())
}

// sameAddress reports whether two host:port name the same local server
// (localhost, 127.0.0.1 and ::1 alike).
func sameAddress(a, b string) bool {
	ha, pa, _ := net.SplitHostPort(a)
	hb, pb, _ := net.SplitHostPort(b)
	local := func(h string) bool { return h == "localhost" || net.ParseIP(h).IsLoopback() }
	return pa == pb && (ha == hb || (local(ha) && local(hb)))
}
