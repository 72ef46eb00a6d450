//go:build !storefit_embedded

package all

import (
	// The sync workload needs PostgreSQL (and Redis, Kafka) and brings
	// their clients: left out of embedded-only builds.
	_ "github.com/storefit/storefit/workloads/sync"
)
