package results

import "fmt"

// Problems lists what went wrong in a run, cell by cell: what `storefit
// run` prints at its end and turns into its exit status.
type Problems struct {
	// Failed names the cells that failed (or were interrupted), with the
	// error.
	Failed []string
	// Invalid names the cells whose validation failed, with the first
	// failure.
	Invalid []string
	// Breached names the thresholds breached, with the cell and the
	// figure found.
	Breached []string
}

// None reports whether nothing went wrong.
func (p Problems) None() bool { return len(p.Failed)+len(p.Invalid)+len(p.Breached) == 0 }

// Problems collects the run's failed cells, failed validations and
// breached thresholds. A cell that is n/a is not a problem, nor a skipped
// validation (the result says why it was skipped).
func (r *Result) Problems() Problems {
	var p Problems
	for i := range r.Cells {
		c := &r.Cells[i]
		name := c.workloadLabel() + " on " + c.Store
		switch c.Status {
		case StatusFailed, StatusInterrupted:
			p.Failed = append(p.Failed, fmt.Sprintf("%s: %s: %s", name, c.Status, firstLine(c.Error)))
		}
		if v := c.Validation; v != nil && v.Status == ValidationFailed {
			what := fmt.Sprintf("%d of %d checks failed", v.Failed, v.Checks)
			switch {
			case len(v.Failures) > 0:
				what += ": " + firstLine(v.Failures[0])
			case v.Reason != "":
				what = firstLine(v.Reason)
			}
			p.Invalid = append(p.Invalid, name+": "+what)
		}
		for _, t := range c.Thresholds {
			if !t.OK {
				p.Breached = append(p.Breached, fmt.Sprintf("%s: %s: %s", name, t.Threshold, t.Text))
			}
		}
	}
	return p
}
