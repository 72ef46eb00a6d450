// Package all imports every driver storefit ships, for their registration:
//
//	import _ "github.com/storefit/storefit/drivers/all"
//
// Built with the tag storefit_embedded, it imports only the embedded stores
// (no server clients): `make bench` builds that binary, which compiles in
// about half the time on a fresh machine.
//
// DuckDB is linked through cgo: a build without cgo (CGO_ENABLED=0, as the
// static binary of the Dockerfile) leaves it out (duckdb.go).
package all

import (
	// Drivers register themselves in init.
	_ "github.com/storefit/storefit/drivers/bleve"
	_ "github.com/storefit/storefit/drivers/memory"
	_ "github.com/storefit/storefit/drivers/noop"
	_ "github.com/storefit/storefit/drivers/pebble"
	_ "github.com/storefit/storefit/drivers/placement"
	_ "github.com/storefit/storefit/drivers/sqlite"
)
