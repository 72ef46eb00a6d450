package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/storefit/storefit/metrics"
	"github.com/storefit/storefit/runner"
)

// termWidth returns a function reporting f's terminal width in columns (0
// when f is not a terminal), asked afresh so a resized window is followed.
func termWidth(f *os.File) func() int {
	return func() int {
		w, _, err := term.GetSize(int(f.Fd()))
		if err != nil {
			return 0
		}
		return w
	}
}

// startMetrics serves the run's live metrics on addr (--metrics-addr) and
// says where on w. The returned stop ends the endpoint.
func startMetrics(w io.Writer, addr string) (runner.Live, func(), error) {
	t := tool()
	x := metrics.New(t.Version, t.Commit)
	srv, err := x.Serve(addr)
	if err != nil {
		return nil, nil, usagef("--metrics-addr %s: %v", addr, err)
	}
	fmt.Fprintf(w, "metrics at http://%s/metrics\n", srv.Addr())
	return x, func() { _ = srv.Close() }, nil
}
