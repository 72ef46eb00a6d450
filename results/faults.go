package results

import (
	"fmt"
	"math"
)

// Fault is one fault injected into a store's server during a measured
// phase (run --fault, a suite's faults): what was done, its window, and how
// long the store took to recover.
type Fault struct {
	// Kind is pause (SIGSTOP, then SIGCONT), kill (SIGKILL, then a
	// restart with the server's data) or restart-empty (stopped, its data
	// removed, started again empty).
	Kind string `json:"kind"`
	// Server names the server acted on (its compose/native script).
	Server string `json:"server"`
	// AtSeconds and ForSeconds are the planned start, in seconds since
	// the start of the measured phase, and how long the server was to stay
	// paused or down.
	AtSeconds  float64 `json:"at_s"`
	ForSeconds float64 `json:"for_s,omitempty"`
	// StartSeconds is when the fault took effect and EndSeconds when the
	// server was back — resumed, or answering again after its restart —
	// in seconds since the start of the measured phase: the fault's
	// window. EndSeconds is 0 when the server was not brought back.
	StartSeconds float64 `json:"start_s"`
	EndSeconds   float64 `json:"end_s,omitempty"`
	// Error says what failed in injecting or ending the fault.
	Error string `json:"error,omitempty"`
	// PreFaultOpsPerSec is the throughput before the fault: the mean of
	// the (up to 10) whole seconds before StartSeconds.
	PreFaultOpsPerSec float64 `json:"pre_fault_ops_per_s,omitempty"`
	// RecoveredAtSeconds is the start of the first whole second after the
	// window whose throughput is at least RecoveryShare of the pre-fault
	// throughput, and RecoverySeconds its distance from EndSeconds: the
	// time to recover. Both are nil when the store did not recover before
	// the phase ended (or there was no second before the fault to compare
	// with).
	RecoveredAtSeconds *float64 `json:"recovered_at_s,omitempty"`
	RecoverySeconds    *float64 `json:"recovery_s,omitempty"`
}

// RecoveryShare is the share of the pre-fault throughput a second must
// reach for the store to count as recovered from a fault.
const RecoveryShare = 0.9

// preFaultSeconds is how many whole seconds before a fault its pre-fault
// throughput is averaged over.
const preFaultSeconds = 10

// SetRecovery computes f's pre-fault throughput and time to recover from
// the one-second intervals of the phase it was injected in.
func (f *Fault) SetRecovery(ivs []Interval) {
	f.PreFaultOpsPerSec, f.RecoveredAtSeconds, f.RecoverySeconds = 0, nil, nil
	start := int(math.Floor(f.StartSeconds))
	var sum float64
	n := 0
	for _, iv := range ivs {
		if iv.T < start && iv.T >= start-preFaultSeconds {
			sum += iv.OpsPerSec
			n++
		}
	}
	if n == 0 || sum == 0 {
		return
	}
	f.PreFaultOpsPerSec = sum / float64(n)
	if f.EndSeconds <= 0 {
		return // the server never came back
	}
	from := int(math.Ceil(f.EndSeconds))
	for _, iv := range ivs {
		if iv.T >= from && iv.OpsPerSec >= RecoveryShare*f.PreFaultOpsPerSec {
			at := float64(iv.T)
			rec := at - f.EndSeconds
			f.RecoveredAtSeconds, f.RecoverySeconds = &at, &rec
			return
		}
	}
}

// Label is a short description of the fault for plots and tables, e.g.
// "pause postgres 10.0–15.0 s, recovered in 1.0 s".
func (f *Fault) Label() string {
	s := fmt.Sprintf("%s %s at %.1f s", f.Kind, f.Server, f.StartSeconds)
	if f.EndSeconds > 0 {
		s = fmt.Sprintf("%s %s %.1f–%.1f s", f.Kind, f.Server, f.StartSeconds, f.EndSeconds)
	}
	switch {
	case f.Error != "":
		s += ", failed: " + f.Error
	case f.RecoverySeconds != nil:
		s += fmt.Sprintf(", recovered in %.1f s", *f.RecoverySeconds)
	case f.PreFaultOpsPerSec > 0:
		s += ", not recovered"
	}
	return s
}

// MemoryTrend fits a line (least squares) to the resident set sizes of
// ps taken at or after skip seconds into the phase and returns its slope in
// bytes per hour, with the mean and the largest RSS of those samples; ok is
// false with fewer than three of them. A load generator that leaks shows a
// positive slope; a flat one stays within the noise of the samples.
func MemoryTrend(ps []ProcessSample, skip float64) (perHour, mean float64, peak uint64, ok bool) {
	return sampleTrend(ps, skip, func(p ProcessSample) uint64 { return p.RSSBytes })
}

// HeapTrend is MemoryTrend of the Go heap (ProcessSample.HeapBytes).
func HeapTrend(ps []ProcessSample, skip float64) (perHour, mean float64, peak uint64, ok bool) {
	return sampleTrend(ps, skip, func(p ProcessSample) uint64 { return p.HeapBytes })
}

// sampleTrend fits a line to value of the samples at or after skip
// seconds, leaving out those where it is 0 (not measured).
func sampleTrend(ps []ProcessSample, skip float64, value func(ProcessSample) uint64) (perHour, mean float64, peak uint64, ok bool) {
	var n, sx, sy, sxx, sxy float64
	for _, p := range ps {
		v := value(p)
		if p.T < skip || v == 0 {
			continue
		}
		x, y := p.T/3600, float64(v)
		n++
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
		peak = max(peak, v)
	}
	if n < 3 || n*sxx-sx*sx == 0 {
		return 0, 0, peak, false
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx), sy / n, peak, true
}
