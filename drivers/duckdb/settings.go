package duckdb

// Settings states the choices that change what is measured (results
// record them): DuckDB keeps data in its buffer manager (its default
// memory limit) and caches no query results.
func (c *Conn) Settings() map[string]string {
	return map[string]string{"cache": "buffer manager (DuckDB's default memory limit); no query-result cache"}
}
