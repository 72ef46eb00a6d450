package runner

import (
	"strings"
	"testing"
	"time"
)

func TestSuiteFindMax(t *testing.T) {
	s, err := ParseSuite([]byte(`
scale: quick
stores: [noop]
workloads:
  - point/a
  - workload: point/c
    find_max: p99=1ms
    duration: 1s
`))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := s.Plan(Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Cells[0].Config.FindMax {
		t.Error("point/a searches for a maximum rate")
	}
	c := plan.Cells[1].Config
	if !c.FindMax || len(c.SLO.Bounds) != 1 || c.SLO.Bounds[0].Limit != time.Millisecond || c.Duration != time.Second {
		t.Errorf("point/c: find-max %v, SLO %v, duration %v", c.FindMax, c.SLO, c.Duration)
	}

	s, err = ParseSuite([]byte("stores: [noop]\nworkloads:\n  - {workload: point/c, find_max: fast}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Plan(Overrides{}); err == nil || !strings.Contains(err.Error(), "find_max") {
		t.Errorf("bad find_max: %v", err)
	}
}
