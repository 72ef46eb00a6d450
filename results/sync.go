package results

// Sync is the outcome of a sync workload (issue 10): how one strategy kept
// derived views in step with the PostgreSQL source during the measured
// phase, under the faults it lists, and how far each view diverged once the
// run drained.
type Sync struct {
	// Strategy is "dual", "cdc-logical", "outbox" or "cdc-debezium".
	Strategy string `json:"strategy"`
	// Writes is the number of source writes of the measured phase (the
	// runner's operations), WriteP50Us/WriteP99Us their latency (for dual
	// writes it includes the view writes).
	Writes     int64   `json:"writes"`
	WriteP50Us float64 `json:"write_p50_us"`
	WriteP99Us float64 `json:"write_p99_us"`
	// WriteServiceP50Us and WriteServiceP99Us are the writes' service
	// time under open loop (from their actual start, not corrected for
	// the schedule falling behind); AchievedRate is the writes per second
	// started.
	WriteServiceP50Us float64 `json:"write_service_p50_us,omitempty"`
	WriteServiceP99Us float64 `json:"write_service_p99_us,omitempty"`
	AchievedRate      float64 `json:"achieved_rate,omitempty"`
	// MarkerIntervalMs is how often the lag probe bumped the marker at the
	// source, PollIntervalMs how often each view's marker was read.
	MarkerIntervalMs float64 `json:"marker_interval_ms"`
	PollIntervalMs   float64 `json:"poll_interval_ms"`
	// Faults lists the faults injected, in time order.
	Faults []SyncFault `json:"faults,omitempty"`
	// Restarts counts consumer/relay restarts.
	Restarts int64 `json:"restarts,omitempty"`
	// Drained is true when every view showed the final marker before the
	// drain timeout; DrainSeconds is how long that took.
	Drained      bool    `json:"drained"`
	DrainSeconds float64 `json:"drain_s"`
	// Views holds one entry per view.
	Views []SyncView `json:"views"`
	// Verdict is a plain sentence summing the cell up.
	Verdict string `json:"verdict"`
}

// SyncFault is one injected fault.
type SyncFault struct {
	// AtSeconds is when it started, in seconds from the start of the
	// measured phase (negative: during the warm-up).
	AtSeconds float64 `json:"at_s"`
	// Kind is "view-down", "consumer-restart" or "write-failures".
	Kind string `json:"kind"`
	// Target names the view or the consumer/relay.
	Target          string  `json:"target,omitempty"`
	DurationSeconds float64 `json:"duration_s,omitempty"`
	// Probability is the failure probability of "write-failures".
	Probability float64 `json:"probability,omitempty"`
	// Note says how the fault was made.
	Note string `json:"note,omitempty"`
}

// SyncView is the outcome for one view.
type SyncView struct {
	Name  string `json:"name"`
	Store string `json:"store"`
	// Markers is the number of markers whose lag was measured in the
	// measured phase.
	Markers int64 `json:"markers"`
	// Lag is the freshness lag — marker committed at the source → seen in
	// the view — in milliseconds.
	LagP50Ms float64 `json:"lag_p50_ms"`
	LagP99Ms float64 `json:"lag_p99_ms"`
	LagMaxMs float64 `json:"lag_max_ms"`
	// LagSeries is, per second of the measured phase, the largest
	// staleness seen: the age of the oldest committed marker the view did
	// not show yet (0 when it was up to date).
	LagSeries []SyncLagPoint `json:"lag_series,omitempty"`
	// LagGrowing is set when staleness grew over the second half of the run
	// (least-squares slope above 50 ms/s): the view did not keep up.
	LagGrowing bool    `json:"lag_growing,omitempty"`
	LagSlope   float64 `json:"lag_slope_ms_per_s"`
	// Delivered counts changes applied, FailedApplies failed view writes
	// (injected or not; retried except under dual writes), Injected the
	// injected ones.
	Delivered     int64 `json:"delivered"`
	FailedApplies int64 `json:"failed_applies"`
	Injected      int64 `json:"injected"`
	// Rows is the number of source rows the view should hold after the
	// drain; Missing, Extra and Different count the reconciliation scan's
	// findings, Divergence their sum.
	Rows       int64 `json:"rows"`
	Missing    int64 `json:"missing"`
	Extra      int64 `json:"extra"`
	Different  int64 `json:"different"`
	Divergence int64 `json:"divergence"`
	// ExpectedDivergence is dual writes' own count of rows its lost view
	// writes left different (nil for other strategies).
	ExpectedDivergence *int64 `json:"expected_divergence,omitempty"`
	// Samples names a few divergent rows.
	Samples []string `json:"samples,omitempty"`
}

// SyncLagPoint is one second of a view's staleness series.
type SyncLagPoint struct {
	T     int     `json:"t"`
	MaxMs float64 `json:"max_ms"`
}
