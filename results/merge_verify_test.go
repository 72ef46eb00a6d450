package results

import "testing"

// Shards' verify steps add up in the merge; one failed shard fails it.
func TestMergeVerifies(t *testing.T) {
	cell := func(status string, checks, failed int, writes int64) *Cell {
		return &Cell{Validation: &Validation{Status: status, Checks: checks, Failed: failed,
			Verify: &Verify{Status: status, Checks: checks, Failed: failed, Writes: writes, Keys: writes / 2, Seconds: float64(checks)}}}
	}
	v := mergeValidations([]*Cell{cell(ValidationPassed, 10, 0, 100), cell(ValidationFailed, 20, 3, 200)})
	got := v.Verify
	if got == nil || got.Status != ValidationFailed || got.Checks != 30 || got.Failed != 3 || got.Writes != 300 || got.Keys != 150 || got.Seconds != 20 {
		t.Fatalf("merged verify %+v", got)
	}
	if v.Status != ValidationFailed || v.Checks != 30 {
		t.Errorf("merged validation %s, %d checks", v.Status, v.Checks)
	}
	if v := mergeValidations([]*Cell{{Validation: &Validation{Status: ValidationPassed}}}); v.Verify != nil {
		t.Errorf("verify %+v from shards without one", v.Verify)
	}
}
