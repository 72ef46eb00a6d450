//go:build storefit_embedded

package placement

import (
	"fmt"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/agg"
)

// Embedded-only builds leave the PostgreSQL and Kafka clients out: the
// strategies that need them (cdc-logical, cdc-debezium, event-sourcing,
// the outbox on PostgreSQL) are unknown there (so is the postgres driver).

func postgresCapture(x any) any { return nil }

func (c *Conn) mviewDashboard(tweets, likes string) (agg.Store, error) {
	return nil, fmt.Errorf("%s is not in embedded-only builds (tag storefit_embedded): %w", StrategyMView, drivers.ErrUnsupported)
}
