package postgres

// Settings states the choices that change what is measured (results
// record them): PostgreSQL keeps no result cache (its buffer cache holds
// pages, as every store's does), so every query is executed.
func (c *Conn) Settings() map[string]string {
	return map[string]string{"cache": "off (no query-result cache; pages in shared_buffers)"}
}
