// Command storefit benchmarks data stores per access pattern and checks
// their answers. See `storefit --help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/storefit/storefit/drivers"
	_ "github.com/storefit/storefit/drivers/all"
	"github.com/storefit/storefit/results"
	_ "github.com/storefit/storefit/workloads/all"
)

// Set by the Makefile with -ldflags "-X main.version=… -X main.commit=…".
var (
	version = ""
	commit  = ""
)

// Exit codes; a run that wrote its result but went wrong has its own
// (verdict.go).
const (
	exitFailure     = 1   // storefit failed (or compare found a regression)
	exitUsage       = 2   // bad input: flags, names, files, DSNs
	exitInterrupted = 130 // SIGINT (Ctrl-C); partial results were written
	exitTerminated  = 143 // SIGTERM (128+15); partial results were written
)

// usageError marks bad input, reported with exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// interruptedError reports a run stopped by a signal.
type interruptedError struct{ err error }

func (e interruptedError) Error() string { return e.err.Error() }
func (e interruptedError) Unwrap() error { return e.err }

func tool() results.Tool {
	t := results.Tool{Version: version, Commit: commit}
	bi, ok := debug.ReadBuildInfo()
	if t.Version == "" {
		t.Version = "dev"
		if ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			t.Version = bi.Main.Version
		}
	}
	if t.Commit == "" && ok {
		// go build records the commit it built from (unless -buildvcs=false).
		var rev, dirty string
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision":
				rev = s.Value[:min(len(s.Value), 12)]
			case s.Key == "vcs.modified" && s.Value == "true":
				dirty = "-dirty"
			}
		}
		if rev != "" {
			t.Commit = rev + dirty
		}
	}
	return t
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "storefit",
		Short: "Benchmark data stores per access pattern, with checked answers",
		Long: `storefit generates deterministic workloads for seven access patterns (point,
crud, agg, graph, search, series, wide), runs them against candidate stores
through one driver interface, checks every store's answers against a reference
oracle, and reports latency and throughput per store and pattern.`,
		Example: `  storefit list
  storefit run --workload point/a --store memory --duration 10s
  storefit run --workload point/c --store noop --rate 50000 --duration 5s
  storefit run --suite suites/quick.yaml --report
  storefit report results/2026-11-25T16-00-00.json -o report.html
  storefit pick results/2026-11-25T16-00-00.json
  storefit compare --fail-on-regression 5% old.json new.json`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       tool().Version,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})
	root.AddCommand(newRunCmd(), newListCmd(), newReportCmd(), newPickCmd(), newCompareCmd(), newMergeCmd(),
		newExportCmd(), newGenCmd(), newUpCmd(), newDownCmd(), newK8sCmd(), newVersionCmd())
	return root
}

func main() {
	os.Exit(run(os.Args[1:]))
}

// stopSignal is the cause of a run cancelled by a signal: it says which,
// in the result and on the terminal, and sets the exit status.
type stopSignal struct{ sig os.Signal }

func (s stopSignal) Error() string {
	if s.sig == syscall.SIGTERM {
		return "terminated by SIGTERM"
	}
	return "interrupted by Ctrl-C (SIGINT)"
}

// exitCode is the exit status of a process stopped by the signal.
func (s stopSignal) exitCode() int {
	if s.sig == syscall.SIGTERM {
		return exitTerminated
	}
	return exitInterrupted
}

// session is what a command shares with the signal handling of run: the
// secrets to scrub from the error line, and what to do when told to quit
// at once.
type session struct {
	mu  sync.Mutex
	red *drivers.Redactor
	// quit, when set, writes what the run measured so far; it is called
	// on a second signal, before the process exits.
	quit func(cause stopSignal)
}

type sessionKey struct{}

// sessionOf returns the session of ctx (a fresh one outside run).
func sessionOf(ctx context.Context) *session {
	if s, ok := ctx.Value(sessionKey{}).(*session); ok {
		return s
	}
	return &session{}
}

func (s *session) setRedactor(r *drivers.Redactor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.red = r
}

func (s *session) setQuit(f func(stopSignal)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quit = f
}

func (s *session) redact(msg string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.red.Redact(msg)
}

func run(args []string) int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sess := &session{}
	ctx = context.WithValue(ctx, sessionKey{}, sess)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		first := stopSignal{<-sigs}
		fmt.Fprintf(os.Stderr, "\nstorefit: %s: stopping; the partial result will be written (press Ctrl-C again to quit at once, still writing what was measured)\n", first)
		cancel(first)
		second := stopSignal{<-sigs}
		sess.mu.Lock()
		quit := sess.quit
		sess.mu.Unlock()
		if quit != nil {
			quit(second)
		}
		fmt.Fprintf(os.Stderr, "storefit: %s again: quit\n", second)
		os.Exit(first.exitCode())
	}()

	root := newRoot()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(os.Stderr, "storefit: %s\n", sess.redact(err.Error()))
	var ue usageError
	var ie interruptedError
	var xe exitError
	switch {
	case errors.As(err, &ue) || isCobraUsage(err):
		return exitUsage
	case errors.As(err, &ie):
		var sig stopSignal
		if errors.As(context.Cause(ctx), &sig) {
			return sig.exitCode()
		}
		return exitInterrupted
	case errors.As(err, &xe):
		return xe.code
	}
	return exitFailure
}

// isCobraUsage recognizes cobra's own argument errors (unknown command,
// wrong argument count), which it returns as plain errors.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires at least", "requires at most", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
