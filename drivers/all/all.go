// Package all imports every driver storefit ships, for their registration:
//
//	import _ "github.com/storefit/storefit/drivers/all"
package all

import (
	// Drivers register themselves in init.
	_ "github.com/storefit/storefit/drivers/memory"
	_ "github.com/storefit/storefit/drivers/noop"
	_ "github.com/storefit/storefit/drivers/sqlite"
)
