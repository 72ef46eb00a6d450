// Package all imports every driver storefit ships, for their registration:
//
//	import _ "github.com/storefit/storefit/drivers/all"
//
// Built with the tag storefit_embedded, it imports only the embedded stores
// (no server clients): `make bench` builds that binary, which compiles in
// about half the time on a fresh machine.
package all

import (
	// Drivers register themselves in init.
	_ "github.com/storefit/storefit/drivers/bleve"
	_ "github.com/storefit/storefit/drivers/duckdb"
	_ "github.com/storefit/storefit/drivers/memory"
	_ "github.com/storefit/storefit/drivers/noop"
	_ "github.com/storefit/storefit/drivers/pebble"
	_ "github.com/storefit/storefit/drivers/placement"
	_ "github.com/storefit/storefit/drivers/sqlite"
)
