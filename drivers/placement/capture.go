package placement

import (
	"strings"

	"github.com/storefit/storefit/syncer/outbox"
)

// captureDB returns how the capture strategies reach the source database
// of the store called name (x is its connection or its sync source): a
// PostgreSQL pool configuration, a SQLite file, or nil when the source is
// not a database they can capture (the strategies that need one say so).
func (c *Conn) captureDB(name string, x any) (any, error) {
	if db := postgresCapture(x); db != nil {
		return db, nil
	}
	if c.cfg.Stores[name].Driver == "sqlite" {
		if path := sqlitePath(c.dsns[name]); path != "" {
			return outbox.SQLite(path), nil
		}
	}
	return nil, nil
}

// sqlitePath returns the file a sqlite DSN names ("" for none).
func sqlitePath(dsn string) string {
	p := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}
