// Package all imports every driver storefit ships, for their registration:
//
//	import _ "github.com/storefit/storefit/drivers/all"
package all

import (
	// Drivers register themselves in init.
	_ "github.com/storefit/storefit/drivers/bleve"
	_ "github.com/storefit/storefit/drivers/cassandra"
	_ "github.com/storefit/storefit/drivers/clickhouse"
	_ "github.com/storefit/storefit/drivers/duckdb"
	_ "github.com/storefit/storefit/drivers/elastic"
	_ "github.com/storefit/storefit/drivers/influx"
	_ "github.com/storefit/storefit/drivers/memory"
	_ "github.com/storefit/storefit/drivers/noop"
	_ "github.com/storefit/storefit/drivers/opensearch"
	_ "github.com/storefit/storefit/drivers/pebble"
	_ "github.com/storefit/storefit/drivers/postgres"
	_ "github.com/storefit/storefit/drivers/redis"
)
