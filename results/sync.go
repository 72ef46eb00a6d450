package results

// Sync is the outcome of a sync workload (issues 10, 23): how one strategy
// kept derived views in step with the source of truth during the measured
// phase, under the faults it lists, and how far each view diverged once the
// run drained.
type Sync struct {
	// Strategy is "dual", "outbox", "cdc-logical", "cdc-debezium" or
	// "event-sourcing".
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
	// Faults lists the faults injected, in time order.
	Faults []SyncFault `json:"faults,omitempty"`
	// Restarts counts consumer/relay restarts (killed on purpose),
	// Crashes appliers that crashed (injected) between applying a batch
	// and recording its position, WriterCrashes dual writes whose writer
	// crashed (injected) between its writes.
	Restarts      int64 `json:"restarts,omitempty"`
	Crashes       int64 `json:"crashes,omitempty"`
	WriterCrashes int64 `json:"writer_crashes,omitempty"`
	// Drained is true when every view showed every committed change before
	// the drain timeout; DrainSeconds is how long that took.
	Drained      bool    `json:"drained"`
	DrainSeconds float64 `json:"drain_s"`
	// Views holds one entry per view (under event sourcing the source
	// store is one: a projection of the log).
	Views []SyncView `json:"views"`
	// Rebuild is event sourcing's rebuild of one projection from the
	// start of the log, after the run.
	Rebuild *SyncRebuild `json:"rebuild,omitempty"`
	// Verdict is a plain sentence summing the cell up.
	Verdict string `json:"verdict"`
}

// SyncRebuild is the rebuild of one projection from offset 0 of the event
// log: how fast, and whether the rebuilt state equals the source of truth.
type SyncRebuild struct {
	View  string `json:"view"`
	Store string `json:"store,omitempty"`
	// Events counts the row changes replayed, Records the log records
	// holding them; Seconds runs from dropping the view to the last
	// change applied.
	Events          int64   `json:"events"`
	Records         int64   `json:"records"`
	Seconds         float64 `json:"seconds"`
	EventsPerSecond float64 `json:"events_per_s"`
	// Rows and Divergence compare the rebuilt view with the log folded
	// from its start (the source of truth).
	Rows       int64    `json:"rows"`
	Divergence int64    `json:"divergence"`
	Samples    []string `json:"samples,omitempty"`
	// Error says why the rebuild failed, if it did.
	Error string `json:"error,omitempty"`
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
	// Changes is the number of data changes committed at the source
	// during the measured phase that feed the view: every one has a lag.
	Changes int64 `json:"changes"`
	// Lag is commit-to-visible per data change — from the writer's clock
	// right after the source (or the log) acknowledged the commit to the
	// view's write returning — in milliseconds, over Changes; a change
	// still pending when the phase ended counts with its age then.
	LagMeanMs float64 `json:"lag_mean_ms"`
	LagP50Ms  float64 `json:"lag_p50_ms"`
	LagP99Ms  float64 `json:"lag_p99_ms"`
	LagMaxMs  float64 `json:"lag_max_ms"`
	// PendingAtEnd counts the changes still pending as the phase ended,
	// OldestPendingMs the age of the oldest of them.
	PendingAtEnd    int64   `json:"pending_at_end"`
	OldestPendingMs float64 `json:"oldest_pending_ms,omitempty"`
	// LagSeries is, per second of the measured phase, the largest
	// staleness seen: the age of the oldest committed change the view did
	// not show yet (0 when it was up to date).
	LagSeries []SyncLagPoint `json:"lag_series,omitempty"`
	// LagGrowing is set when staleness grew over the second half of the run
	// (least-squares slope above 50 ms/s): the view did not keep up.
	LagGrowing bool    `json:"lag_growing,omitempty"`
	LagSlope   float64 `json:"lag_slope_ms_per_s"`
	// Delivered counts changes applied, FailedApplies failed view writes
	// (injected or not; retried, under dual writes only by the retry
	// policy), Retries the writes tried again, Injected the injected
	// failures, Replays the changes delivered again after the view had
	// them (a consumer restarted before recording its position).
	Delivered     int64 `json:"delivered"`
	FailedApplies int64 `json:"failed_applies"`
	Retries       int64 `json:"retries,omitempty"`
	Injected      int64 `json:"injected"`
	Replays       int64 `json:"replays,omitempty"`
	// Rows is the number of source rows the view should hold after the
	// drain; Missing, Extra and Different count the reconciliation scan's
	// findings, Divergence their sum.
	Rows       int64 `json:"rows"`
	Missing    int64 `json:"missing"`
	Extra      int64 `json:"extra"`
	Different  int64 `json:"different"`
	Divergence int64 `json:"divergence"`
	// ExpectedDivergence is dual writes' own count of rows its lost view
	// writes left different, as its writers know it (nil for other
	// strategies).
	ExpectedDivergence *int64 `json:"expected_divergence,omitempty"`
	// Samples names a few divergent rows.
	Samples []string `json:"samples,omitempty"`
}

// SyncLagPoint is one second of a view's staleness series.
type SyncLagPoint struct {
	T     int     `json:"t"`
	MaxMs float64 `json:"max_ms"`
}
