// Package all imports every workload package for its registration:
//
//	import _ "github.com/storefit/storefit/workloads/all"
package all

import (
	// Workload packages register themselves in init.
	_ "github.com/storefit/storefit/workloads/agg"
	_ "github.com/storefit/storefit/workloads/crud"
	_ "github.com/storefit/storefit/workloads/graph"
	_ "github.com/storefit/storefit/workloads/point"
	_ "github.com/storefit/storefit/workloads/search"
	_ "github.com/storefit/storefit/workloads/series"
	_ "github.com/storefit/storefit/workloads/sync"
	_ "github.com/storefit/storefit/workloads/twitter"
	_ "github.com/storefit/storefit/workloads/wide"
)
