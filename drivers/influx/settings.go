package influx

// Settings states the choices that change what is measured (results
// record them): InfluxDB keeps no query cache, so every query is
// executed.
func (c *Conn) Settings() map[string]string {
	return map[string]string{"cache": "off (InfluxDB caches no query results)"}
}
