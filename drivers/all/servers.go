//go:build !storefit_embedded

package all

import (
	// Server drivers, left out of embedded-only builds.
	_ "github.com/storefit/storefit/drivers/cassandra"
	_ "github.com/storefit/storefit/drivers/clickhouse"
	_ "github.com/storefit/storefit/drivers/elastic"
	_ "github.com/storefit/storefit/drivers/hbase"
	_ "github.com/storefit/storefit/drivers/influx"
	_ "github.com/storefit/storefit/drivers/neo4j"
	_ "github.com/storefit/storefit/drivers/opensearch"
	_ "github.com/storefit/storefit/drivers/postgres"
	_ "github.com/storefit/storefit/drivers/redis"
)
