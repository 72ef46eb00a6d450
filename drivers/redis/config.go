package redis

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

// DefaultDSN is the server compose/ and compose/native/redis.sh start.
const DefaultDSN = "redis://127.0.0.1:6379/0"

// Config is a parsed redis DSN.
type Config struct {
	// Addr is the server's host:port (default 127.0.0.1:6379).
	Addr string
	// Username and Password authenticate (AUTH); both empty: no AUTH. A
	// password without a username authenticates as the default user.
	Username string
	Password string
	// DB is the logical database to SELECT (default 0).
	DB int
	// DialTimeout bounds connecting (default 5 s).
	DialTimeout time.Duration
	// ScanIndex keeps the sorted-set index of point keys that point scans
	// (workload e) need; false leaves it out, saving its cost on loads,
	// inserts and deletes, and makes point/e n/a (default true).
	ScanIndex bool
	// WideCount keeps per-column row counts for wide.Counter exact, at the
	// price of a Lua script on every set and delete; false makes writes
	// plain HSET/HDEL and wide/mix n/a (default true).
	WideCount bool
	// Conn holds the connection options: conns (shared, the default: one
	// rueidis client for all workers; worker: a client and connection per
	// worker), pipelining (auto, the default: rueidis pipelines the
	// workers' commands on its shared connections; off: a pool of
	// connections, one command at a time on each) and io (netpoll, the
	// default; blocking, with conns=worker or pipelining=off).
	Conn drivers.ConnOptions
	// BlindUpdates makes point updates one HSET, which creates a missing
	// record, as YCSB's Redis binding writes (point.BlindWriter); false
	// runs a Lua script that checks the record exists first, for exact
	// drivers.ErrNotFound (option point_writes=checked; default blind).
	BlindUpdates bool
}

// ParseConfig parses a DSN of the form
//
//	redis://[[user]:password@]host[:port][/db][?option=value&…]
//
// An empty dsn is DefaultDSN. Options: dial_timeout (a Go duration),
// scanindex and widecount (true or false), point_writes (blind or
// checked), and the connection options conns, pipelining and io
// (Config.Conn). Errors never include the password.
func ParseConfig(dsn string) (Config, error) {
	cfg := Config{Addr: "127.0.0.1:6379", DialTimeout: 5 * time.Second, ScanIndex: true, WideCount: true, BlindUpdates: true}
	if dsn == "" {
		dsn = DefaultDSN
	}
	safe := drivers.RedactDSN(dsn)
	u, err := url.Parse(dsn)
	if err != nil {
		// url errors quote the input, password included.
		return cfg, fmt.Errorf("redis DSN %q is not a URL; use %s", safe, dsnForm)
	}
	if u.Scheme != "redis" {
		return cfg, fmt.Errorf("redis DSN %q: scheme must be redis://; use %s", safe, dsnForm)
	}
	if u.Opaque != "" {
		return cfg, fmt.Errorf("redis DSN %q: use %s", safe, dsnForm)
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	if u.Host != "" {
		host, port := u.Hostname(), u.Port()
		if host == "" {
			host = "127.0.0.1"
		}
		if port == "" {
			port = "6379"
		} else if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return cfg, fmt.Errorf("redis DSN %q: port %q is not in 1..65535", safe, port)
		}
		cfg.Addr = net.JoinHostPort(host, port)
	}
	if p := strings.TrimPrefix(u.Path, "/"); p != "" {
		db, err := strconv.Atoi(p)
		if err != nil || db < 0 {
			return cfg, fmt.Errorf("redis DSN %q: database %q is not a number >= 0", safe, p)
		}
		cfg.DB = db
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return cfg, fmt.Errorf("redis DSN %q: bad query: %v", safe, errors.Unwrap(err))
	}
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "dial_timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return cfg, fmt.Errorf("redis DSN %q: dial_timeout=%q is not a positive duration (e.g. 5s)", safe, v)
			}
			cfg.DialTimeout = d
		case "scanindex", "widecount":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return cfg, fmt.Errorf("redis DSN %q: %s=%q: use true or false", safe, k, v)
			}
			if k == "scanindex" {
				cfg.ScanIndex = b
			} else {
				cfg.WideCount = b
			}
		case "point_writes":
			if v != "blind" && v != "checked" {
				return cfg, fmt.Errorf("redis DSN %q: point_writes=%q: use blind or checked", safe, v)
			}
			cfg.BlindUpdates = v == "blind"
		default:
			known, err := cfg.Conn.Set(k, v)
			if err != nil {
				return cfg, fmt.Errorf("redis DSN %q: %v", safe, err)
			}
			if !known {
				return cfg, fmt.Errorf("redis DSN %q: unknown option %q (known: dial_timeout, scanindex, widecount, point_writes, %s)", safe, k, strings.Join(drivers.ConnOptionNames, ", "))
			}
		}
	}
	if err := cfg.Conn.Check("redis", drivers.ConnCaps{Blocking: true, Pipelining: true}); err != nil {
		return cfg, fmt.Errorf("redis DSN %q: %v", safe, err)
	}
	return cfg, nil
}

const dsnForm = "redis://[:password@]host:port/db, e.g. " + DefaultDSN
