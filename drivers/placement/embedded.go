//go:build storefit_embedded

package placement

import (
	"fmt"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/agg"
)

// Embedded-only builds leave the PostgreSQL clients out: the strategies on
// a PostgreSQL source are unsupported there (so is the postgres driver).

func (c *Conn) pgSyncer(tabs captured) (syncer, error) {
	return nil, fmt.Errorf("%s on a postgres source is not in embedded-only builds (tag storefit_embedded): %w", c.cfg.Sync.Strategy, drivers.ErrUnsupported)
}

func (c *Conn) mviewDashboard(tweets, likes string) (agg.Store, error) {
	return nil, fmt.Errorf("%s is not in embedded-only builds (tag storefit_embedded): %w", StrategyMView, drivers.ErrUnsupported)
}
