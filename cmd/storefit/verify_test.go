package main

import (
	"path/filepath"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/drivertest/lossy"
	"github.com/storefit/storefit/results"
)

func init() { drivers.Register("lossy", lossy.Driver{Every: 1000}) }

// Issue 16: "Writes made during the measured phase are never checked:
// validation runs before warm-up only, so a driver that acknowledges writes
// and loses some passes storefit run." The whole `storefit run` on a store
// that silently drops 1 write in 1 000 ends with the cell's validation
// failed by the verify step, and exits with the status of a failed
// validation.
func TestRunOnLossyStoreFailsValidation(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	code := quiet(t, "run", "--workload", "point/a", "--store", "lossy", "--ops", "30000", "--warmup", "0",
		"--set", "records=20000", "-o", out)
	r, err := results.ReadFile(out)
	if err != nil {
		t.Fatalf("exit %d: %v", code, err)
	}
	c := r.Cells[0]
	if c.Status != results.StatusOK || c.Validation == nil || c.Validation.Verify == nil {
		t.Fatalf("exit %d, cell %s (%s), validation %+v", code, c.Status, c.Error, c.Validation)
	}
	if c.Validation.Status != results.ValidationFailed || c.Validation.Verify.Status != results.ValidationFailed {
		t.Fatalf("exit %d, validation %s, verify %+v: want both failed", code, c.Validation.Status, c.Validation.Verify)
	}
	if code != exitValidationFailed {
		t.Errorf("exit status %d, want %d (validation failed)", code, exitValidationFailed)
	}
	t.Logf("%d of %d checks failed after the run", c.Validation.Verify.Failed, c.Validation.Verify.Checks)
}
