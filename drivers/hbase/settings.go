package hbase

// Settings states the choices that change what is measured (results
// record them): HBase keeps its default block cache (recently read blocks
// on the region server's heap) and caches no query results.
func (c *Conn) Settings() map[string]string {
	return map[string]string{"cache": "block cache on (HBase's default); no query-result cache"}
}
