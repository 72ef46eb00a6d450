package pebble

// Settings states the choices that change what is measured (results
// record them): the block cache's size (cache); Pebble caches no results.
func (c *Conn) Settings() map[string]string {
	return map[string]string{"cache": "block cache " + formatSize(c.cfg.CacheSize) + " (cache); no result cache"}
}
