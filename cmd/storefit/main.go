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
	"syscall"

	"github.com/spf13/cobra"

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
	exitUsage       = 2   // bad input: flags, names, files
	exitInterrupted = 130 // Ctrl-C; partial results were written
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

func run(args []string) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "\nstorefit: stopping; partial results will be written (press Ctrl-C again to quit at once)")
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "storefit: quit")
		os.Exit(exitInterrupted)
	}()

	root := newRoot()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(os.Stderr, "storefit: %v\n", err)
	var ue usageError
	var ie interruptedError
	var xe exitError
	switch {
	case errors.As(err, &ue) || isCobraUsage(err):
		return exitUsage
	case errors.As(err, &ie):
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
