package placement

// CrashAfterNextApply makes the placement's outbox relay or CDC consumer
// die after it applies its next batch and before it records the position
// (deletes the outbox rows, confirms the LSN), as a process killed there
// would; the next one applies the batch again. It reports whether the
// strategy has such an applier.
func CrashAfterNextApply(c *Conn) bool {
	cr, ok := c.sync.(crasher)
	if ok {
		cr.crashAfterApply()
	}
	return ok
}
