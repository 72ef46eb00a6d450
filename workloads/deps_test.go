package workloads_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// A workload knows no concrete store: its stores come from drivers,
// through the pattern interfaces and the sync engine's (package syncer),
// which the drivers implement. The import graph says so in two rules.

// storefitClients are storefit's own packages that hold store clients: the
// drivers (the registry, package drivers, is allowed), the change-data
// capture transports and the sync engine's strategies that talk to
// PostgreSQL and Kafka (the engine itself, package syncer, is allowed).
var storefitClients = []string{
	"github.com/storefit/storefit/drivers/",
	"github.com/storefit/storefit/cdc/",
	"github.com/storefit/storefit/syncer/",
}

// thirdParty are the only modules outside the standard library and
// storefit a workload may depend on: none is a store client, none needs
// cgo. A new dependency is added here only if it is neither — a store
// client (pgx, rueidis, bleve, duckdb-go, franz-go, gocql, …) is what this
// test exists to keep out, whatever its name.
var thirdParty = []string{
	"github.com/HdrHistogram/hdrhistogram-go",
	"github.com/aclements/go-moremath/",
	"github.com/magiconair/properties",
	"go.yaml.in/yaml/",
	"gonum.org/v1/gonum/", // statistics (results)
	"golang.org/x/",
}

// forbidden returns the dependencies in deps a workload may not have.
func forbidden(deps []string) []string {
	var bad []string
	for _, dep := range deps {
		first, _, _ := strings.Cut(dep, "/")
		switch {
		case !strings.Contains(first, "."): // the standard library (and its vendor/ tree)
		case slices.ContainsFunc(storefitClients, func(p string) bool { return strings.HasPrefix(dep, p) }):
			bad = append(bad, dep)
		case strings.HasPrefix(dep, "github.com/storefit/storefit/"):
		case !slices.ContainsFunc(thirdParty, func(p string) bool { return under(dep, p) }):
			bad = append(bad, dep)
		}
	}
	return bad
}

// under reports whether package dep is module or package p or inside it
// (p ending in "/" is a path prefix).
func under(dep, p string) bool {
	if strings.HasSuffix(p, "/") {
		return strings.HasPrefix(dep, p)
	}
	return dep == p || strings.HasPrefix(dep, p+"/")
}

func TestForbidden(t *testing.T) {
	for _, tc := range []struct {
		deps []string
		bad  []string
	}{
		{deps: []string{"context", "vendor/golang.org/x/net/dns/dnsmessage", "github.com/storefit/storefit/drivers",
			"github.com/storefit/storefit/syncer", "github.com/storefit/storefit/workloads/gen",
			"github.com/HdrHistogram/hdrhistogram-go", "go.yaml.in/yaml/v3", "golang.org/x/sys/unix"}},
		{deps: []string{"github.com/storefit/storefit/drivers/postgres"}, bad: []string{"github.com/storefit/storefit/drivers/postgres"}},
		{deps: []string{"github.com/storefit/storefit/syncer/pgsync"}, bad: []string{"github.com/storefit/storefit/syncer/pgsync"}},
		{deps: []string{"github.com/storefit/storefit/cdc/kafkalog"}, bad: []string{"github.com/storefit/storefit/cdc/kafkalog"}},
		{deps: []string{"github.com/jackc/pgx/v5", "io"}, bad: []string{"github.com/jackc/pgx/v5"}},
		{deps: []string{"github.com/duckdb/duckdb-go/v2"}, bad: []string{"github.com/duckdb/duckdb-go/v2"}},
		{deps: []string{"go.mongodb.org/mongo-driver/v2/mongo"}, bad: []string{"go.mongodb.org/mongo-driver/v2/mongo"}},
		{deps: []string{"github.com/HdrHistogram/hdrhistogram-go-evil"}, bad: []string{"github.com/HdrHistogram/hdrhistogram-go-evil"}},
	} {
		if got := forbidden(tc.deps); !slices.Equal(got, tc.bad) {
			t.Errorf("forbidden(%q) = %q, want %q", tc.deps, got, tc.bad)
		}
	}
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
		if bad := forbidden(f[1:]); len(bad) > 0 {
			t.Errorf("%s depends on %s: a workload reaches stores through drivers and the sync engine only (a library that is no store client goes into thirdParty)", f[0], strings.Join(bad, ", "))
		}
	}
}
