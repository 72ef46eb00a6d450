package bleve

// Settings states the choices that change what is measured (results
// record them): Bleve caches no query results; every search runs on the
// index's segments.
func (c *Conn) Settings() map[string]string {
	return map[string]string{"cache": "off (no query-result cache)"}
}
