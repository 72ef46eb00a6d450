package clickhouse

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

// DefaultDSN is the server compose/native/clickhouse.sh (and compose/'s
// docker-compose.yml, with the password of .env.example) starts.
const DefaultDSN = "clickhouse://storefit:storefit@127.0.0.1:9000/storefit"

// How rows are inserted (Config.Insert).
const (
	// InsertAuto chooses InsertBatch on servers from 22.1 on and
	// InsertArrayJoin on older ones.
	InsertAuto = "auto"
	// InsertBatch sends rows as native-format blocks through
	// clickhouse-go's batch API (PrepareBatch, Append, Send).
	InsertBatch = "batch"
	// InsertArrayJoin sends a batch as one INSERT … SELECT of bound
	// column arrays (floats packed as binary), for servers whose native
	// INSERT protocol clickhouse-go's batch API no longer speaks (doc.go).
	InsertArrayJoin = "arrayjoin"
)

const dsnForm = "clickhouse://[user:password@]host[:port][/database][?option=value&…]"

// Config is a parsed clickhouse DSN.
type Config struct {
	// Conn holds the connection option conns (shared, the default, or
	// worker: a client of one connection per worker; see conns.go).
	Conn drivers.ConnOptions
	// Addr is the host:port of the native protocol (default
	// 127.0.0.1:9000).
	Addr string
	// Username and Password authenticate (default user "default", no
	// password).
	Username, Password string
	// Database holds storefit's tables (default storefit); it must exist
	// (compose/native/clickhouse.sh creates it).
	Database string
	// Insert is InsertAuto (default), InsertBatch or InsertArrayJoin.
	Insert string
	// DialTimeout bounds connecting (default 10 s); ReadTimeout bounds
	// waiting for an answer (default 5 min).
	DialTimeout, ReadTimeout time.Duration
	// MaxOpenConns is the size of the connection pool (default 32).
	MaxOpenConns int
}

var validName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// ParseConfig parses a DSN of the form
//
//	clickhouse://[user:password@]host[:port][/database][?option=value&…]
//
// An empty dsn is DefaultDSN. Options: insert (auto, batch or arrayjoin),
// dial_timeout and read_timeout (Go durations), max_open_conns (a number
// >= 1). Errors never include the password.
func ParseConfig(dsn string) (Config, error) {
	cfg := Config{Addr: "127.0.0.1:9000", Username: "default", Database: "storefit", Insert: InsertAuto,
		DialTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, MaxOpenConns: 32}
	if dsn == "" {
		dsn = DefaultDSN
	}
	safe := drivers.RedactDSN(dsn)
	u, err := url.Parse(dsn)
	if err != nil {
		// url errors quote the input, password included.
		return cfg, fmt.Errorf("clickhouse DSN %q is not a URL; use %s", safe, dsnForm)
	}
	if u.Scheme != "clickhouse" {
		return cfg, fmt.Errorf("clickhouse DSN %q: scheme must be clickhouse:// (the native protocol); use %s", safe, dsnForm)
	}
	if u.Opaque != "" {
		return cfg, fmt.Errorf("clickhouse DSN %q: use %s", safe, dsnForm)
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
			port = "9000"
		} else if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return cfg, fmt.Errorf("clickhouse DSN %q: port %q is not in 1..65535", safe, port)
		}
		cfg.Addr = net.JoinHostPort(host, port)
	}
	if db := trimSlash(u.Path); db != "" {
		if !validName.MatchString(db) {
			return cfg, fmt.Errorf("clickhouse DSN %q: database %q: use a letter or '_', then letters, digits and '_'", safe, db)
		}
		cfg.Database = db
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return cfg, fmt.Errorf("clickhouse DSN %q: bad query: %v", safe, errors.Unwrap(err))
	}
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "insert":
			switch v {
			case InsertAuto, InsertBatch, InsertArrayJoin:
				cfg.Insert = v
			default:
				return cfg, fmt.Errorf("clickhouse DSN %q: insert=%q (use auto, batch or arrayjoin)", safe, v)
			}
		case "dial_timeout", "read_timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return cfg, fmt.Errorf("clickhouse DSN %q: %s=%q is not a positive duration (e.g. 10s)", safe, k, v)
			}
			if k == "dial_timeout" {
				cfg.DialTimeout = d
			} else {
				cfg.ReadTimeout = d
			}
		case "max_open_conns":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return cfg, fmt.Errorf("clickhouse DSN %q: max_open_conns=%q is not a number >= 1", safe, v)
			}
			cfg.MaxOpenConns = n
		default:
			known, err := cfg.Conn.Set(k, v)
			if err != nil {
				return cfg, fmt.Errorf("clickhouse DSN %q: %v", safe, err)
			}
			if !known {
				return cfg, fmt.Errorf("clickhouse DSN %q: unknown option %q (known: insert, dial_timeout, read_timeout, max_open_conns, conns)", safe, k)
			}
		}
	}
	if err := cfg.Conn.Check("clickhouse", drivers.ConnCaps{}); err != nil {
		return cfg, fmt.Errorf("clickhouse DSN %q: %v", safe, err)
	}
	return cfg, nil
}

func trimSlash(p string) string {
	for len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	return p
}
