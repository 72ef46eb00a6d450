package all_test

import (
	"context"
	"testing"

	"github.com/storefit/storefit/drivers"
	_ "github.com/storefit/storefit/drivers/all"
)

// Issue 24: "caches on or off stated in every result". Every store's
// connection states its settings (results record them as store settings),
// a "cache" among them; the embedded stores are opened to read it. The
// oracle, the sink and placements (which open other stores) are exempt.
func TestEveryStoreStatesItsCache(t *testing.T) {
	for _, name := range drivers.Names() {
		info, ok := drivers.Describe(name)
		if !ok {
			t.Errorf("%s: no description", name)
			continue
		}
		if info.Oracle || info.Composite || name == "noop" {
			continue
		}
		if _, ok := info.Conn.(drivers.Settingser); !ok {
			t.Errorf("%s: its Conn states no settings (drivers.Settingser): results would not say whether caches were on", name)
			continue
		}
		if !info.Embedded {
			continue // a server's settings are checked against the server in its own tests
		}
		c, err := drivers.Open(context.Background(), name, "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := drivers.Settings(c)["cache"]; got == "" {
			t.Errorf("%s: settings %v state no cache", name, drivers.Settings(c))
		}
		if err := c.Close(); err != nil {
			t.Errorf("%s: close: %v", name, err)
		}
	}
}
