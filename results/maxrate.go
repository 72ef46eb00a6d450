package results

import (
	"fmt"
	"strings"
	"time"
)

// Text states the check for reports: "dashboard p99 412 ms [380–460] ≤
// 500ms on 1,234 ops" — the percentile, its 95% confidence interval
// (results.QuantileInterval; "…" for an open upper end), whether it met
// the bound, and the operations it was judged on.
func (c BoundCheck) Text() string {
	who := c.Kind
	if who == "" {
		who = "all"
	}
	hi := formatMs(c.HighUs)
	if c.Open {
		hi = "…"
	}
	cmp := "≤"
	if !c.OK {
		cmp = ">"
	}
	return fmt.Sprintf("%s %s %s [%s–%s] %s %s on %s ops", who, percentileName(c.Percentile), formatMs(c.Us), formatMs(c.LowUs), hi, cmp,
		time.Duration(c.LimitUs*1e3), FormatCount(c.Ops))
}

// formatMs formats microseconds as milliseconds with 3 significant
// digits: "0.412 ms", "41.2 ms", "412 ms".
func formatMs(us float64) string {
	ms := us / 1e3
	switch {
	case ms < 1:
		return fmt.Sprintf("%.3f ms", ms)
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

// ChecksText joins the checks' texts: "timeline p99 … ; dashboard p99 …".
func ChecksText(cs []BoundCheck) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Text()
	}
	return strings.Join(parts, "; ")
}

// BoundByText says what stopped the search, for reports: "bound by
// dashboard:p99=500ms", "bound by errors", or "" when the search was not
// bounded or the result predates the record.
func (mr *MaxRate) BoundByText() string {
	if mr == nil || mr.BoundBy == "" {
		return ""
	}
	return "bound by " + mr.BoundBy
}

// StepOutcome says what a step found: "capacity probe", "met",
// "missed: …" or "refused: …".
func (st RateStep) StepOutcome() string {
	switch {
	case st.Rate == 0:
		return "capacity probe"
	case st.OK:
		return "met"
	case st.Refused:
		return "refused: " + st.Reason
	}
	return "missed: " + st.Reason
}
