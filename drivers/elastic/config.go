package elastic

import "github.com/storefit/storefit/drivers/internal/searchrest"

// DefaultDSN is the server compose/docker-compose.yml starts (Elasticsearch 8, user elastic,
// password from compose/.env; compose/native/elastic.sh starts Elasticsearch
// 7.17 without Docker and prints its own DSN).
const DefaultDSN = "http://elastic:storefit@127.0.0.1:9200"

// Config is a parsed elastic DSN: the server's URL, credentials and the
// options of searchrest.Options.
type Config = searchrest.Config

// ParseConfig parses a DSN of the form
//
//	http[s]://[user:password@]host[:port][?option=value&…]
//
// An empty dsn is DefaultDSN; the port defaults to 9200. Options (see
// searchrest.Options): prefix (of index names, default storefit_), shards
// (1), replicas (0), cache (false), tiebreak (validation), forcemerge (true),
// analyzer (pattern or standard; default pattern), timeout (30s), insecure
// (false; https only). Errors never include the password.
func ParseConfig(dsn string) (Config, error) {
	return searchrest.ParseDSN("elastic", dsn, DefaultDSN)
}
