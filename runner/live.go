package runner

import (
	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Live receives a run's figures while it runs, for live monitoring
// (storefit run --metrics-addr serves them to Prometheus). The runner never
// calls it from a worker's hot path: it reports each phase as it starts,
// the rows loaded every 200 ms of the load phase, and each second of the
// measured phase once every worker has finished it, from the interval
// collector's goroutine. Implementations must be safe for concurrent use
// and return quickly.
type Live interface {
	// Phase reports that cell entered phase: "setup", "load", "validate",
	// "warmup", "run" or "done".
	Phase(c LiveCell, phase string)
	// LoadRows reports the rows cell has loaded so far.
	LoadRows(c LiveCell, rows int64)
	// Second reports one final second of cell's measured phase, per
	// operation kind.
	Second(c LiveCell, kinds []LiveKind)
}

// LiveCell names the cell a Live call is about.
type LiveCell struct {
	Workload, Store string
}

// LiveKind is one operation kind's figures in one second.
type LiveKind struct {
	Kind string
	// Latency holds the latencies (ns) of the second's successful
	// operations; it is only valid during the call.
	Latency *hdr.Histogram
	// Errors counts the second's failed operations by class, indexed like
	// ErrorClasses().
	Errors []int64
}

// ErrorClasses names the classes operations' errors are counted by, in the
// order of LiveKind.Errors.
func ErrorClasses() []string { return classNames[:] }

// liveCell is a cell's handle on the Live sink; its zero value reports
// nothing.
type liveCell struct {
	sink Live
	cell LiveCell
}

// name is the cell as log lines name it: "point/a on sqlite".
func (l liveCell) name() string { return l.cell.Workload + " on " + l.cell.Store }

func (l liveCell) phase(p string) {
	if l.sink != nil {
		l.sink.Phase(l.cell, p)
	}
}

func (l liveCell) loadRows(n int64) {
	if l.sink != nil {
		l.sink.LoadRows(l.cell, n)
	}
}

// collector returns the interval collector's hook that reports each final
// second, or nil when nothing listens.
func (l liveCell) collector(kinds []string) func(idx int, set []ivKind) {
	if l.sink == nil {
		return nil
	}
	out := make([]LiveKind, len(kinds))
	return func(_ int, set []ivKind) {
		for k := range set {
			out[k] = LiveKind{Kind: kinds[k], Latency: set[k].hist, Errors: set[k].errs[:]}
		}
		l.sink.Second(l.cell, out)
	}
}
