package workloads_test

import (
	"os/exec"
	"strings"
	"testing"
)

// storeClients are the module paths of store clients (and of the drivers
// that wrap them) no workload may depend on: a workload knows no concrete
// store. Its stores come from drivers, through the pattern interfaces and
// the sync engine's (package syncer), which the drivers implement.
var storeClients = []string{
	"github.com/jackc/",        // pgx, pgconn, pglogrepl
	"github.com/redis/rueidis", // Redis
	"github.com/blevesearch/",  // bleve
	"github.com/duckdb/",       // DuckDB (cgo)
	"github.com/twmb/franz-go", // Kafka
	"github.com/apache/cassandra-gocql-driver",
	"github.com/neo4j/",
	"github.com/elastic/",
	"github.com/opensearch-project/",
	"github.com/ClickHouse/",
	"github.com/influxdata/",
	"github.com/cockroachdb/pebble",
	"modernc.org/sqlite",
	"github.com/storefit/storefit/drivers/", // the drivers themselves (the registry, drivers, is allowed)
	"github.com/storefit/storefit/cdc/",     // change-data-capture transports
}

// TestWorkloadsImportNoStoreClient checks the import graph: no package
// under workloads/ depends, directly or not, on a store client, so the
// workloads build without cgo and without any server's client, and a
// workload cannot hard-wire a store.
func TestWorkloadsImportNoStoreClient(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool to list the import graph")
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, "github.com/storefit/storefit/workloads/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 10 {
		t.Fatalf("go list listed %d workload packages: %s", len(lines), out)
	}
	for _, line := range lines {
		f := strings.Fields(line)
		var bad []string
		for _, dep := range f[1:] {
			for _, client := range storeClients {
				if strings.HasPrefix(dep, client) {
					bad = append(bad, dep)
					break
				}
			}
		}
		if len(bad) > 0 {
			t.Errorf("%s depends on store clients (workloads must reach stores through drivers): %s", f[0], strings.Join(bad, ", "))
		}
	}
}
