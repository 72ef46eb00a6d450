package sqlite

import "fmt"

// Settings states the choices that change what is measured (results
// record them): the page cache of each connection (cache_mb); SQLite
// caches no query results.
func (c *Conn) Settings() map[string]string {
	return map[string]string{"cache": fmt.Sprintf("page cache %d MiB per connection (cache_mb); no query-result cache", c.cfg.CacheKiB>>10)}
}
