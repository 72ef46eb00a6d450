//go:build storefit_embedded

package placement

import (
	"fmt"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/agg"
	"github.com/storefit/storefit/workloads/search"
	"github.com/storefit/storefit/workloads/twitter"
)

// Embedded-only builds leave the PostgreSQL and Kafka clients out: the
// strategies that need them (cdc-logical, cdc-debezium, event-sourcing,
// the outbox on PostgreSQL) are unknown there (so is the postgres driver).

func postgresCapture(x any) any { return nil }

func (c *Conn) mviewDashboard(tweets, likes string) (agg.Store, error) {
	return nil, fmt.Errorf("%s is not in embedded-only builds (tag storefit_embedded): %w", StrategyMView, drivers.ErrUnsupported)
}

// pgHomeSource: no PostgreSQL, the application composes the stores' calls.
func (c *Conn) pgHomeSource(tweets, follows string) (twitter.HomeSource, error) { return nil, nil }

func (c *Conn) pgDashboard(tweets, likes string) (agg.Store, error) {
	return nil, fmt.Errorf("postgres dashboard %s is not in embedded-only builds (tag storefit_embedded): %w", PGRollup, drivers.ErrUnsupported)
}

func (c *Conn) pgSearch(tweets string) (search.Store, error) {
	return nil, fmt.Errorf("postgres search %s is not in embedded-only builds (tag storefit_embedded): %w", PGTweets, drivers.ErrUnsupported)
}
