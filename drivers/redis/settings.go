package redis

// Settings states the choices that change what is measured (results
// record them): client-side caching is off, so every read reaches the
// server.
func (c *Conn) Settings() map[string]string {
	return map[string]string{"cache": "off (no client-side caching: every read reaches the server)"}
}
