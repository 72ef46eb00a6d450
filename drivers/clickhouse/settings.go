package clickhouse

// Settings states the choices that change what is measured (results
// record them): the insert path, and that no query cache answers.
func (c *Conn) Settings() map[string]string {
	return map[string]string{
		"inserts": c.insertMode,
		"cache":   "off (no query cache: 18.16 has none; 23.1+ has one, off by default)",
	}
}
