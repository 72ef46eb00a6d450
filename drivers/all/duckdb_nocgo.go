//go:build !cgo

package all

import (
	"context"
	"errors"

	"github.com/storefit/storefit/drivers"
)

// noCgoDuckDB stands in for DuckDB in builds without cgo (the static
// binary of the container image): "duckdb" is then a known name whose Open
// says why it is missing, instead of an unknown store.
type noCgoDuckDB struct{}

// Open fails: DuckDB's driver needs cgo.
func (noCgoDuckDB) Open(context.Context, string) (drivers.Conn, error) {
	return nil, errors.New("duckdb is not in this storefit binary: it was built without cgo (CGO_ENABLED=0, as the container image is); build with cgo to use DuckDB")
}

// Describe says the store is missing from this build.
func (noCgoDuckDB) Describe() drivers.Info {
	return drivers.Info{Summary: "DuckDB — not in this build (needs cgo)", Embedded: true, DSNExample: "(needs a cgo build)",
		Libraries: []string{"github.com/duckdb/duckdb-go/v2"}}
}

func init() { drivers.Register("duckdb", noCgoDuckDB{}) }
