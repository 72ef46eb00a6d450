package syncwl

import (
	"context"
	"time"
)

// startFaults schedules the configured faults from now (the first write).
func (w *Workload) startFaults() {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cfg.FailP > 0 {
		w.events = append(w.events, faultEvent{at: now, kind: "write-failures", tgt: w.cfg.FailViews, p: w.cfg.FailP,
			note: "each view write fails with this probability (injected in storefit's client of the view)"})
	}
	if w.strategy == "dual" && w.cfg.CrashP > 0 {
		w.events = append(w.events, faultEvent{at: now, kind: "writer-crashes", tgt: "dual", p: w.cfg.CrashP,
			note: "each write's writer crashes with this probability after the source committed, having written a random prefix of the views; the write fails"})
	}
	if w.cfg.ViewDown != "" && w.cfg.ViewDownFor > 0 {
		w.timers = append(w.timers, time.AfterFunc(w.cfg.ViewDownAt, w.viewDown))
	}
	// Dual writes have no consumer to kill or crash (crashp crashes their
	// writers): restartat and crashat do nothing there.
	if w.cfg.RestartAt > 0 && w.strategy != "dual" {
		w.timers = append(w.timers, time.AfterFunc(w.cfg.RestartAt, func() {
			at := time.Now()
			w.eng.Restart()
			w.record(faultEvent{at: at, kind: "consumer-restart", tgt: w.strategy,
				note: "every view's consumer/relay (and a shared reader) killed at once, their connections closed and what they held in memory lost; a new generation resumed from each view's durable position"})
		}))
	}
	if w.cfg.CrashAt > 0 && w.strategy != "dual" {
		w.timers = append(w.timers, time.AfterFunc(w.cfg.CrashAt, func() {
			at := time.Now()
			w.eng.CrashNextApply()
			w.record(faultEvent{at: at, kind: "consumer-crash", tgt: w.strategy,
				note: "the next applier to apply a batch crashed before recording its position (outbox bits, slot LSN, group offsets); every applier restarted and the batch came again"})
		}))
	}
}

func (w *Workload) record(e faultEvent) {
	w.mu.Lock()
	w.events = append(w.events, e)
	w.mu.Unlock()
}

// viewDown makes the view unavailable: its server really stopped when the
// placement runs it, else every write to it failing in storefit's client.
func (w *Workload) viewDown() {
	at := time.Now()
	view, dur := w.cfg.ViewDown, w.cfg.ViewDownFor
	note := "every write to the view fails for the duration (outage simulated in storefit's client of the view; the shared server keeps running)"
	if s := w.eng.Server(view); s != nil {
		if err := s.StopServer(context.Background()); err != nil {
			note = "stopping the server failed (" + err.Error() + "); writes failed in storefit's client instead"
			w.faults.Down(view, at.Add(dur))
		} else {
			note = "the view's own server was stopped (its data saved) and started again after the duration"
			w.mu.Lock()
			w.stopped = s
			w.timers = append(w.timers, time.AfterFunc(dur, w.serverBack))
			w.mu.Unlock()
		}
	} else {
		w.faults.Down(view, at.Add(dur))
	}
	w.record(faultEvent{at: at, kind: "view-down", tgt: view, dur: dur, note: note})
}

// serverBack starts the stopped server again.
func (w *Workload) serverBack() {
	w.mu.Lock()
	s := w.stopped
	w.stopped = nil
	w.mu.Unlock()
	if s != nil {
		if err := s.StartServer(context.Background()); err != nil {
			w.logf("sync: start the server of %s again: %v", w.cfg.ViewDown, err)
		}
	}
}

// stopFaults cancels the faults not started yet and brings a stopped
// server back.
func (w *Workload) stopFaults() {
	w.mu.Lock()
	for _, t := range w.timers {
		t.Stop()
	}
	w.timers = nil
	w.mu.Unlock()
	w.serverBack()
}
