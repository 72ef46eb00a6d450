package all

import (
	"testing"

	"github.com/storefit/storefit/drivers"
)

// ignoresDSN lists the drivers whose Open ignores its DSN: they have
// nothing to parse.
var ignoresDSN = map[string]bool{"memory": true, "noop": true}

// needsDSN lists the drivers without a default DSN.
var needsDSN = map[string]bool{"placement": true}

// Issue 17: a malformed DSN ran the whole plan and ended as a failed cell
// with exit status 0. Every driver that reads a DSN must check it before
// the run (drivers.DSNParser) — a driver added without ParseDSN (as hbase
// and influx2 were) fails here — and accept its own default DSN.
func TestEveryDriverParsesItsDSN(t *testing.T) {
	for _, name := range drivers.Names() {
		d, _ := drivers.Lookup(name)
		p, ok := d.(drivers.DSNParser)
		switch {
		case ignoresDSN[name]:
			continue
		case !ok:
			t.Errorf("%s does not implement drivers.DSNParser: its malformed DSNs would be found only once the run started", name)
			continue
		}
		if err := p.ParseDSN(""); err != nil && !needsDSN[name] {
			t.Errorf("%s refuses its default DSN: %v", name, err)
		}
	}
}
