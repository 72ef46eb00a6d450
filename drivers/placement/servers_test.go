package placement_test

// The server stores the postgres-only and polyglot placements open.
import (
	_ "github.com/storefit/storefit/drivers/clickhouse"
	_ "github.com/storefit/storefit/drivers/neo4j"
	_ "github.com/storefit/storefit/drivers/opensearch"
	_ "github.com/storefit/storefit/drivers/postgres"
	_ "github.com/storefit/storefit/drivers/redis"
)
