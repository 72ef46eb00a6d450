package redis

// Settings states the choices that change what is measured (results
// record them): client-side caching is off, so every read reaches the
// server; point updates write blind or check first (point_writes).
func (c *Conn) Settings() map[string]string {
	pw := "checked (a Lua script: EXISTS, then HSET)"
	if c.cfg.BlindUpdates {
		pw = "blind (one HSET, as YCSB's Redis binding)"
	}
	return map[string]string{"cache": "off (no client-side caching: every read reaches the server)", "point_writes": pw}
}
