package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/storefit/storefit/results"
)

// Fault kinds.
const (
	// FaultPause stops the server's processes (SIGSTOP) for the fault's
	// length and then resumes them (SIGCONT): a server that hangs — a long
	// GC pause, a stalled disk, a VM migrated.
	FaultPause = "pause"
	// FaultKill kills the server (SIGKILL) and starts it again, with its
	// data, after the fault's length: a crash and a restart.
	FaultKill = "kill"
	// FaultRestartEmpty stops the server, removes its data and starts it
	// again, empty, after the fault's length: a cache node replaced.
	FaultRestartEmpty = "restart-empty"
)

// FaultKinds lists the fault kinds.
var FaultKinds = []string{FaultPause, FaultKill, FaultRestartEmpty}

// Fault is a fault injected into the server of a cell's store during the
// measured phase: at At after its start, for For.
type Fault struct {
	Kind string
	At   time.Duration
	For  time.Duration
	// Server names the server to act on (a compose/native script, e.g.
	// postgres); empty means the server of the cell's store.
	Server string
}

// String formats f as ParseFault reads it: KIND@AT[+FOR][:SERVER].
func (f Fault) String() string {
	s := f.Kind + "@" + f.At.String()
	if f.For > 0 {
		s += "+" + f.For.String()
	}
	if f.Server != "" {
		s += ":" + f.Server
	}
	return s
}

// faultForm is the form of a fault, for errors.
const faultForm = "KIND@AT[+FOR][:SERVER], e.g. pause@10s+5s, kill@20s+2s:postgres, restart-empty@30s (kinds: pause, kill, restart-empty)"

// ParseFault parses KIND@AT[+FOR][:SERVER]: pause@10s+5s pauses the
// cell's server 10 s into the measured phase for 5 s; kill@20s+2s:postgres
// kills the postgres server and restarts it 2 s later.
func ParseFault(s string) (Fault, error) {
	bad := func(why string) (Fault, error) {
		return Fault{}, fmt.Errorf("fault %q: %s; use %s", s, why, faultForm)
	}
	kind, rest, ok := strings.Cut(strings.TrimSpace(s), "@")
	if !ok {
		return bad("no @AT")
	}
	f := Fault{Kind: kind}
	if at, server, ok := strings.Cut(rest, ":"); ok {
		rest, f.Server = at, strings.TrimSpace(server)
		if f.Server == "" {
			return bad("empty server after ':'")
		}
	}
	at, length, hasFor := strings.Cut(rest, "+")
	var err error
	if f.At, err = time.ParseDuration(at); err != nil {
		return bad(fmt.Sprintf("%q is not a duration", at))
	}
	if hasFor {
		if f.For, err = time.ParseDuration(length); err != nil {
			return bad(fmt.Sprintf("%q is not a duration", length))
		}
	}
	if err := f.check(); err != nil {
		return bad(err.Error())
	}
	return f, nil
}

// check reports what makes f impossible on its own.
func (f Fault) check() error {
	switch {
	case !slices.Contains(FaultKinds, f.Kind):
		return fmt.Errorf("unknown kind %q", f.Kind)
	case f.At < 0 || f.For < 0:
		return errors.New("times must not be negative")
	case f.Kind == FaultPause && f.For == 0:
		return errors.New("a pause needs a length (+FOR)")
	}
	return nil
}

// UnmarshalYAML reads a fault of a suite: "pause@10s+5s" or
// {kind: pause, at: 10s, for: 5s, server: postgres}.
func (f *Fault) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		v, err := ParseFault(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		*f = v
		return nil
	}
	var p struct {
		Kind   string   `yaml:"kind"`
		At     Duration `yaml:"at"`
		For    Duration `yaml:"for"`
		Server string   `yaml:"server"`
	}
	if err := decodeStrict(n, &p); err != nil {
		return err
	}
	v := Fault{Kind: p.Kind, At: time.Duration(p.At), For: time.Duration(p.For), Server: p.Server}
	if err := v.check(); err != nil {
		return fmt.Errorf("line %d: fault: %w; use %s", n.Line, err, faultForm)
	}
	*f = v
	return nil
}

// checkFaults reports faults a cell's configuration cannot run.
func (c *Config) checkFaults() error {
	if len(c.Faults) == 0 {
		return nil
	}
	if c.FindMax {
		return errors.New("faults cannot be injected into a find-max search: its steps have no fixed timeline")
	}
	for _, f := range c.Faults {
		if err := f.check(); err != nil {
			return fmt.Errorf("fault %s: %w", f, err)
		}
		if c.Duration > 0 && f.At+f.For >= c.Duration {
			return fmt.Errorf("fault %s ends at %s, after the measured phase (%s): inject it earlier or lengthen the duration", f, f.At+f.For, c.Duration)
		}
	}
	return nil
}

// FaultInjector acts on the servers behind a run's stores for the faults
// of its cells. The CLI's injector acts on servers started by
// compose/native (storefit up).
type FaultInjector interface {
	// Begin puts fault f into effect against the server of store (whose
	// DSN is dsn) and returns once it is.
	Begin(ctx context.Context, f Fault, store, dsn string) error
	// End ends f — resumes a paused server, starts a killed or emptied one
	// again — and returns once the server answers. When ctx is done (the
	// run was interrupted) End must still resume a paused server at once,
	// and may leave a stopped one stopped, saying so in its error.
	End(ctx context.Context, f Fault, store, dsn string) error
}

// faultRun injects a cell's faults during its measured phase, on their
// own goroutine, and records their windows.
type faultRun struct {
	done chan struct{}
	mu   sync.Mutex
	recs []results.Fault
}

// startFaults starts injecting faults at their times after base; ctx
// cancels the waits. finish waits for the injection to end and returns the
// records.
func startFaults(ctx context.Context, inj FaultInjector, faults []Fault, store, dsn string, base time.Time, disp Display) *faultRun {
	fr := &faultRun{done: make(chan struct{})}
	sorted := slices.Clone(faults)
	slices.SortStableFunc(sorted, func(a, b Fault) int { return int(a.At - b.At) })
	go func() {
		defer close(fr.done)
		for _, f := range sorted {
			if sleepUntil(ctx, base.Add(f.At)) != nil {
				return
			}
			rec := fr.inject(ctx, inj, f, store, dsn, base, disp)
			fr.mu.Lock()
			fr.recs = append(fr.recs, rec)
			fr.mu.Unlock()
		}
	}()
	return fr
}

// inject runs one fault from its start to its end.
func (fr *faultRun) inject(ctx context.Context, inj FaultInjector, f Fault, store, dsn string, base time.Time, disp Display) results.Fault {
	since := func() float64 { return time.Since(base).Seconds() }
	rec := results.Fault{Kind: f.Kind, Server: f.Server, AtSeconds: f.At.Seconds(), ForSeconds: f.For.Seconds(), StartSeconds: since()}
	if rec.Server == "" {
		rec.Server = store
	}
	disp.Logf("fault: %s %s at %.1f s", f.Kind, rec.Server, rec.StartSeconds)
	if err := inj.Begin(ctx, f, store, dsn); err != nil {
		rec.Error = err.Error()
		// A half-done fault (some processes stopped) must still be
		// undone.
		if err := inj.End(context.WithoutCancel(ctx), f, store, dsn); err != nil {
			rec.Error += "; ending it: " + err.Error()
		}
		disp.Logf("fault: %s %s failed: %s", f.Kind, rec.Server, rec.Error)
		return rec
	}
	_ = sleepUntil(ctx, base.Add(f.At+f.For))
	if err := inj.End(ctx, f, store, dsn); err != nil {
		rec.Error = err.Error()
		disp.Logf("fault: ending %s %s: %s", f.Kind, rec.Server, rec.Error)
		return rec
	}
	rec.EndSeconds = since()
	disp.Logf("fault: %s %s over at %.1f s", f.Kind, rec.Server, rec.EndSeconds)
	return rec
}

// finish waits until the faults are over — every begun fault ended — and
// returns their records, with the time to recover computed from the
// phase's intervals.
func (fr *faultRun) finish(ivs []results.Interval) []results.Fault {
	<-fr.done
	fr.mu.Lock()
	defer fr.mu.Unlock()
	for i := range fr.recs {
		fr.recs[i].SetRecovery(ivs)
	}
	return fr.recs
}

// losesWrites reports whether one of the faults killed or emptied a server:
// writes acknowledged before it may be gone (a store without durable
// commits loses them on a kill; restart-empty removes them all), so the
// verify step cannot hold the store to them.
func losesWrites(faults []results.Fault) bool {
	for _, f := range faults {
		if f.Kind == FaultKill || f.Kind == FaultRestartEmpty {
			return true
		}
	}
	return false
}
