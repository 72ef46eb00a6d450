package influx

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/storefit/storefit/drivers"
)

// DefaultDSN is the server compose/native/influx.sh starts (InfluxDB 1.x).
const DefaultDSN = "http://127.0.0.1:8086?db=storefit"

// The HTTP APIs the driver speaks (Config.API).
const (
	// APIAuto chooses by the version the server reports on /ping: 1.x
	// speaks APIV1, anything later APIV2.
	APIAuto = "auto"
	// APIV1 is InfluxDB 1.x's API: line protocol on /write, InfluxQL on
	// /query.
	APIV1 = "v1"
	// APIV2 is InfluxDB 2.x's API through influxdb-client-go: line protocol
	// on /api/v2/write, Flux on /api/v2/query.
	APIV2 = "v2"
)

const dsnForm = "http://[user:password@]host:port?db=NAME (InfluxDB 1.x) or http://host:port?org=ORG&bucket=BUCKET&token=TOKEN (2.x)"

// Config is a parsed influx DSN.
type Config struct {
	// Conn holds the connection option conns (shared, the default, or
	// worker: a client of one connection per worker; see conns.go).
	Conn drivers.ConnOptions
	// URL is the server's base URL, scheme://host:port, without user,
	// query or path.
	URL string
	// API is APIAuto (default), APIV1 or APIV2.
	API string
	// Username and Password authenticate against a 1.x server with auth
	// enabled (HTTP basic authentication); both empty: none.
	Username string
	Password string
	// Database is the 1.x database (default storefit), created by Open if
	// missing; RetentionPolicy is the 1.x retention policy written to and
	// read from (default: the database's default one).
	Database        string
	RetentionPolicy string
	// Org, Bucket and Token address a 2.x server (defaults storefit,
	// storefit and none). Setup creates the bucket if missing.
	Org, Bucket, Token string
	// Gzip compresses write bodies (Content-Encoding: gzip). Default: on
	// for 2.x (the client's setting TSBS also uses), off for 1.x, where on
	// loopback it cost more CPU than it saved (doc.go).
	Gzip *bool
	// Timeout bounds each HTTP request (default 60 s).
	Timeout time.Duration
}

// ParseConfig parses a DSN of the form
//
//	http[s]://[user:password@]host[:port][?option=value&…]
//
// An empty dsn is DefaultDSN. Options: api (auto, v1 or v2), db and rp (1.x
// database and retention policy), org, bucket and token (2.x), u and p
// (1.x user and password, as InfluxDB's own query parameters; the URL's
// user:password does the same), gzip (true or false) and timeout (a Go
// duration). The port defaults to 8086. Errors never include a password or
// token.
func ParseConfig(dsn string) (Config, error) {
	cfg := Config{API: APIAuto, Database: "storefit", Org: "storefit", Bucket: "storefit", Timeout: 60 * time.Second}
	if strings.TrimSpace(dsn) == "" {
		dsn = DefaultDSN
	}
	safe := drivers.RedactDSN(dsn)
	u, err := url.Parse(dsn)
	if err != nil {
		// url errors quote the input, secrets included.
		return cfg, fmt.Errorf("influx DSN %q is not a URL; use %s", safe, dsnForm)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return cfg, fmt.Errorf("influx DSN %q: scheme must be http:// or https://; use %s", safe, dsnForm)
	}
	if u.Opaque != "" || u.Host == "" {
		return cfg, fmt.Errorf("influx DSN %q: no host; use %s", safe, dsnForm)
	}
	if u.Path != "" && u.Path != "/" {
		return cfg, fmt.Errorf("influx DSN %q: unexpected path %q (name the database with ?db=); use %s", safe, u.Path, dsnForm)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "8086"
	} else if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return cfg, fmt.Errorf("influx DSN %q: port %q is not in 1..65535", safe, port)
	}
	cfg.URL = u.Scheme + "://" + net.JoinHostPort(host, port)
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return cfg, fmt.Errorf("influx DSN %q: bad query: %v", safe, errors.Unwrap(err))
	}
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "api":
			switch v {
			case APIAuto, APIV1, APIV2:
				cfg.API = v
			default:
				return cfg, fmt.Errorf("influx DSN %q: api=%q (use auto, v1 or v2)", safe, v)
			}
		case "db", "org", "bucket":
			if v == "" {
				return cfg, fmt.Errorf("influx DSN %q: %s is empty", safe, k)
			}
			switch k {
			case "db":
				cfg.Database = v
			case "org":
				cfg.Org = v
			default:
				cfg.Bucket = v
			}
		case "rp":
			cfg.RetentionPolicy = v
		case "token":
			cfg.Token = v
		case "u":
			cfg.Username = v
		case "p":
			cfg.Password = v
		case "gzip":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return cfg, fmt.Errorf("influx DSN %q: gzip=%q (use true or false)", safe, v)
			}
			cfg.Gzip = &b
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return cfg, fmt.Errorf("influx DSN %q: timeout=%q is not a positive duration (e.g. 30s)", safe, v)
			}
			cfg.Timeout = d
		default:
			known, err := cfg.Conn.Set(k, v)
			if err != nil {
				return cfg, fmt.Errorf("influx DSN %q: %v", safe, err)
			}
			if !known {
				return cfg, fmt.Errorf("influx DSN %q: unknown option %q (known: api, db, rp, org, bucket, token, u, p, gzip, timeout, conns)", safe, k)
			}
		}
	}
	if err := cfg.Conn.Check("influx", drivers.ConnCaps{}); err != nil {
		return cfg, fmt.Errorf("influx DSN %q: %v", safe, err)
	}
	return cfg, nil
}

// gzip reports whether writes to a server of the given API are compressed.
func (c Config) gzip(api string) bool {
	if c.Gzip != nil {
		return *c.Gzip
	}
	return api == APIV2
}
