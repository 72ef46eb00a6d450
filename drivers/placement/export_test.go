package placement

// CrashAfterNextApply makes the placement's next applier (outbox relay,
// CDC consumer) crash after it applies its next batch and before it
// records the position (clears the outbox bits, confirms the LSN, commits
// the offsets), as a process killed there would; the next one applies the
// batch again.
func CrashAfterNextApply(c *Conn) { c.App().Engine().CrashNextApply() }
