package hbase

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/storefit/storefit/drivers"
)

// DefaultDSN is the REST gateway compose/native/hbase.sh starts.
const DefaultDSN = "http://127.0.0.1:8080"

const dsnForm = "http://host:port[?namespace=NAME&timeout=30s] (HBase's REST gateway)"

// Config is a parsed hbase DSN.
type Config struct {
	// Conn holds the connection option conns (shared, the default, or
	// worker: a client of one connection per worker; see conns.go).
	Conn drivers.ConnOptions
	// URL is the gateway's base URL, scheme://host:port.
	URL string
	// Namespace holds storefit's tables (default "storefit"); Open
	// creates it if missing. Setup drops and creates tables only there,
	// never in another namespace.
	Namespace string
	// Timeout bounds each HTTP request without a deadline of its own
	// (default 60 s).
	Timeout time.Duration
}

// namespaceName is what HBase accepts as a namespace name.
var namespaceName = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// ParseConfig parses a DSN of the form
//
//	http[s]://host[:port][?namespace=NAME&timeout=DURATION]
//
// An empty dsn is DefaultDSN; the port defaults to 8080, the gateway's.
func ParseConfig(dsn string) (Config, error) {
	cfg := Config{Namespace: "storefit", Timeout: 60 * time.Second}
	if dsn == "" {
		dsn = DefaultDSN
	}
	safe := drivers.RedactDSN(dsn)
	u, err := url.Parse(dsn)
	if err != nil {
		return cfg, fmt.Errorf("hbase DSN %q is not a URL; use %s", safe, dsnForm)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return cfg, fmt.Errorf("hbase DSN %q: scheme must be http:// or https://; use %s", safe, dsnForm)
	}
	if u.Opaque != "" || u.Host == "" {
		return cfg, fmt.Errorf("hbase DSN %q: no host; use %s", safe, dsnForm)
	}
	if u.Path != "" && u.Path != "/" {
		return cfg, fmt.Errorf("hbase DSN %q: unexpected path %q (name the namespace with ?namespace=); use %s", safe, u.Path, dsnForm)
	}
	if u.User != nil {
		return cfg, fmt.Errorf("hbase DSN %q: the REST gateway takes no user or password here; use %s", safe, dsnForm)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "8080"
	} else if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return cfg, fmt.Errorf("hbase DSN %q: port %q is not in 1..65535", safe, port)
	}
	cfg.URL = u.Scheme + "://" + net.JoinHostPort(host, port)
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return cfg, fmt.Errorf("hbase DSN %q: bad query: %v", safe, errors.Unwrap(err))
	}
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "namespace":
			if !namespaceName.MatchString(v) {
				return cfg, fmt.Errorf("hbase DSN %q: namespace=%q: use 1 to 64 letters, digits or '_'", safe, v)
			}
			cfg.Namespace = v
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return cfg, fmt.Errorf("hbase DSN %q: timeout=%q is not a positive duration (e.g. 30s)", safe, v)
			}
			cfg.Timeout = d
		default:
			known, err := cfg.Conn.Set(k, v)
			if err != nil {
				return cfg, fmt.Errorf("hbase DSN %q: %v", safe, err)
			}
			if !known {
				return cfg, fmt.Errorf("hbase DSN %q: unknown option %q (known: namespace, timeout, conns)", safe, k)
			}
		}
	}
	if err := cfg.Conn.Check("hbase", drivers.ConnCaps{}); err != nil {
		return cfg, fmt.Errorf("hbase DSN %q: %v", safe, err)
	}
	return cfg, nil
}
