package neo4j

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

// DefaultDSN is the server compose/ and compose/native/neo4j.sh start.
const DefaultDSN = "bolt://127.0.0.1:7687"

// Config is a parsed neo4j DSN.
type Config struct {
	// URI is what the Go driver connects to: scheme://host:port, without
	// user, password or storefit's options.
	URI string
	// Addr is the server's host:port, for messages.
	Addr string
	// Username and Password authenticate (basic auth); no user in the DSN
	// means no authentication (a server with auth disabled).
	Username string
	Password string
	// Database is the database every session uses (default "neo4j", the
	// default database; naming it saves a home-database lookup per
	// session).
	Database string
	// MaxConnections bounds the driver's connection pool (default 100).
	MaxConnections int
	// DialTimeout bounds opening a connection (default 5 s).
	DialTimeout time.Duration
	// Conn holds the connection option conns: shared (the default: one
	// Go driver, whose pool lends each session a connection) or worker (a
	// Go driver per worker with a pool of one connection).
	Conn drivers.ConnOptions
	// Reads is how single-statement reads run: ReadsAutoCommit (the
	// default) or ReadsManaged.
	Reads string
}

// The ways of running a read (Config.Reads).
const (
	// ReadsAutoCommit runs each read statement as an auto-commit
	// transaction: one round trip, no retry.
	ReadsAutoCommit = "autocommit"
	// ReadsManaged runs each in a managed read transaction, which the Go
	// driver retries on transient errors: BEGIN and COMMIT cost it more.
	ReadsManaged = "managed"
)

var schemes = map[string]bool{
	"bolt": true, "bolt+s": true, "bolt+ssc": true,
	"neo4j": true, "neo4j+s": true, "neo4j+ssc": true,
}

// databaseName matches the names Neo4j allows for databases.
var databaseName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.-]{0,62}$`)

// ParseConfig parses a DSN of the form
//
//	bolt://[user:password@]host[:port][?option=value&…]
//
// or the same with neo4j:// (routing; the driver asks the server for its
// routing table), and with +s / +ssc for TLS (verified / self-signed). An
// empty dsn is DefaultDSN. Options: database (default neo4j),
// max_connections (default 100), dial_timeout (a Go duration, default
// 5s), reads (autocommit, the default, or managed), conns (shared or
// worker, Config.Conn). Errors never include the password.
func ParseConfig(dsn string) (Config, error) {
	cfg := Config{Database: "neo4j", MaxConnections: 100, DialTimeout: 5 * time.Second, Reads: ReadsAutoCommit}
	if dsn == "" {
		dsn = DefaultDSN
	}
	safe := drivers.RedactDSN(dsn)
	u, err := url.Parse(dsn)
	if err != nil {
		// url errors quote the input, password included.
		return cfg, fmt.Errorf("neo4j DSN %q is not a URL; use %s", safe, dsnForm)
	}
	if !schemes[u.Scheme] {
		return cfg, fmt.Errorf("neo4j DSN %q: scheme must be bolt://, neo4j:// (or +s, +ssc); use %s", safe, dsnForm)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") {
		return cfg, fmt.Errorf("neo4j DSN %q: no path allowed (name the database with ?database=NAME); use %s", safe, dsnForm)
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
		if cfg.Username == "" {
			return cfg, fmt.Errorf("neo4j DSN %q: a password needs a user name (neo4j:password@…)", safe)
		}
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = "7687"
	} else if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return cfg, fmt.Errorf("neo4j DSN %q: port %q is not in 1..65535", safe, port)
	}
	cfg.Addr = net.JoinHostPort(host, port)
	cfg.URI = u.Scheme + "://" + cfg.Addr
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return cfg, fmt.Errorf("neo4j DSN %q: bad query: %v", safe, errors.Unwrap(err))
	}
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "database":
			if !databaseName.MatchString(v) {
				return cfg, fmt.Errorf("neo4j DSN %q: database=%q is not a database name (letters, digits, '.', '-')", safe, v)
			}
			cfg.Database = v
		case "max_connections":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return cfg, fmt.Errorf("neo4j DSN %q: max_connections=%q is not a number >= 1", safe, v)
			}
			cfg.MaxConnections = n
		case "dial_timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return cfg, fmt.Errorf("neo4j DSN %q: dial_timeout=%q is not a positive duration (e.g. 5s)", safe, v)
			}
			cfg.DialTimeout = d
		case "reads":
			if v != ReadsAutoCommit && v != ReadsManaged {
				return cfg, fmt.Errorf("neo4j DSN %q: reads=%q: use autocommit or managed", safe, v)
			}
			cfg.Reads = v
		default:
			known, err := cfg.Conn.Set(k, v)
			if err != nil {
				return cfg, fmt.Errorf("neo4j DSN %q: %v", safe, err)
			}
			if !known {
				return cfg, fmt.Errorf("neo4j DSN %q: unknown option %q (known: database, max_connections, dial_timeout, reads, conns)", safe, k)
			}
		}
	}
	if err := cfg.Conn.Check("neo4j", drivers.ConnCaps{}); err != nil {
		return cfg, fmt.Errorf("neo4j DSN %q: %v", safe, err)
	}
	return cfg, nil
}

const dsnForm = "bolt://[user:password@]host:port[?database=NAME], e.g. " + DefaultDSN
