//go:build cgo

package all

import (
	// DuckDB's Go driver links the DuckDB library through cgo.
	_ "github.com/storefit/storefit/drivers/duckdb"
)
