package memory_test

import (
	"context"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/drivertest"
	"github.com/storefit/storefit/drivers/memory"
)

func TestConformance(t *testing.T) {
	drivertest.Run(t, func() drivers.Conn {
		c, err := memory.Driver{}.Open(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
}
