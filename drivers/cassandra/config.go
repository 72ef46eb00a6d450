package cassandra

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/storefit/storefit/drivers"
)

// DefaultDSN is the server compose/ and compose/native/cassandra.sh start.
const DefaultDSN = "cassandra://127.0.0.1:9042/storefit"

// Config is a parsed cassandra DSN.
type Config struct {
	// Addr is the host:port of the node to contact first (default
	// 127.0.0.1:9042); the driver discovers the other nodes of the
	// cluster from it.
	Addr string
	// Username and Password authenticate (PasswordAuthenticator); both
	// empty: no authentication.
	Username string
	Password string
	// Keyspace holds storefit's tables (default storefit). Setup creates it
	// if missing, with SimpleStrategy and ReplicationFactor.
	Keyspace string
	// ReplicationFactor is the replication factor of a keyspace Setup
	// creates (default 1: a single node).
	ReplicationFactor int
	// Consistency is the consistency level of every read and write
	// (default LOCAL_ONE). It is part of the version results record.
	Consistency gocql.Consistency
	// Timeout bounds each request (default 10 s); ConnectTimeout bounds
	// connecting (default 5 s).
	Timeout        time.Duration
	ConnectTimeout time.Duration
	// NumConns is the number of connections per node (default 2).
	NumConns int
	// Coalesce is how long a connection waits to gather the frames of
	// concurrent requests into one write (default 0: every request is
	// written at once).
	Coalesce time.Duration
	// LoadConcurrency is the number of requests one load batch keeps in
	// flight (default 32).
	LoadConcurrency int
	// WideCount is how wide.Counter counts the rows setting a column:
	// WideCountTable (the default) keeps a second table of (col, id) rows,
	// WideCountSAI a storage-attached index on the column number, and
	// WideCountNone neither, saving the cost on writes and making wide/mix
	// n/a.
	WideCount string
	// Conn holds the connection option conns: shared (the default: one
	// session, its NumConns connections per node multiplexing the
	// workers' requests) or worker (a session per worker with one
	// connection per node, one request in flight on it).
	Conn drivers.ConnOptions
	// PointWrites is how point updates and deletes write: PointWritesBlind
	// (the default; one request, as YCSB's binding does) or
	// PointWritesChecked (a read first, for drivers.ErrNotFound).
	PointWrites string
}

// The ways of writing point updates and deletes (Config.PointWrites).
const (
	PointWritesBlind   = "blind"
	PointWritesChecked = "checked"
)

// The ways of counting wide rows by column (Config.WideCount).
const (
	WideCountTable = "table"
	WideCountSAI   = "sai"
	WideCountNone  = "none"
)

// ParseConfig parses a DSN of the form
//
//	cassandra://[user:password@]host[:port][/keyspace][?option=value&…]
//
// An empty dsn is DefaultDSN. Options: consistency (a consistency level:
// ANY, ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM,
// LOCAL_ONE), timeout and connect_timeout (Go durations), num_conns,
// coalesce (a Go duration, 0 for none), load_concurrency, replication_factor
// (numbers >= 1), point_writes (blind or checked), widecount (table, sai
// or none; true is table, false none) and conns (shared or worker,
// Config.Conn). Errors never include the password.
func ParseConfig(dsn string) (Config, error) {
	cfg := Config{
		Addr:              "127.0.0.1:9042",
		Keyspace:          "storefit",
		ReplicationFactor: 1,
		Consistency:       gocql.LocalOne,
		Timeout:           10 * time.Second,
		ConnectTimeout:    5 * time.Second,
		NumConns:          2,
		LoadConcurrency:   32,
		WideCount:         WideCountTable,
		PointWrites:       PointWritesBlind,
	}
	if dsn == "" {
		dsn = DefaultDSN
	}
	safe := drivers.RedactDSN(dsn)
	u, err := url.Parse(dsn)
	if err != nil {
		// url errors quote the input, password included.
		return cfg, fmt.Errorf("cassandra DSN %q is not a URL; use %s", safe, dsnForm)
	}
	if u.Scheme != "cassandra" {
		return cfg, fmt.Errorf("cassandra DSN %q: scheme must be cassandra://; use %s", safe, dsnForm)
	}
	if u.Opaque != "" {
		return cfg, fmt.Errorf("cassandra DSN %q: use %s", safe, dsnForm)
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
			port = "9042"
		} else if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return cfg, fmt.Errorf("cassandra DSN %q: port %q is not in 1..65535", safe, port)
		}
		cfg.Addr = net.JoinHostPort(host, port)
	}
	if ks := strings.TrimPrefix(u.Path, "/"); ks != "" {
		if !validName.MatchString(ks) {
			return cfg, fmt.Errorf("cassandra DSN %q: keyspace %q: use a letter, then letters, digits and '_' (at most 48)", safe, ks)
		}
		cfg.Keyspace = ks
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return cfg, fmt.Errorf("cassandra DSN %q: bad query: %v", safe, errors.Unwrap(err))
	}
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "consistency":
			c, err := parseConsistency(v)
			if err != nil {
				return cfg, fmt.Errorf("cassandra DSN %q: consistency=%q: %v", safe, v, err)
			}
			cfg.Consistency = c
		case "timeout", "connect_timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return cfg, fmt.Errorf("cassandra DSN %q: %s=%q is not a positive duration (e.g. 5s)", safe, k, v)
			}
			if k == "timeout" {
				cfg.Timeout = d
			} else {
				cfg.ConnectTimeout = d
			}
		case "coalesce":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return cfg, fmt.Errorf("cassandra DSN %q: coalesce=%q is not a duration >= 0 (e.g. 200us)", safe, v)
			}
			cfg.Coalesce = d
		case "num_conns", "load_concurrency", "replication_factor":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1024 {
				return cfg, fmt.Errorf("cassandra DSN %q: %s=%q is not a number in 1..1024", safe, k, v)
			}
			switch k {
			case "num_conns":
				cfg.NumConns = n
			case "load_concurrency":
				cfg.LoadConcurrency = n
			default:
				cfg.ReplicationFactor = n
			}
		case "widecount":
			switch strings.ToLower(v) {
			case WideCountTable, "true":
				cfg.WideCount = WideCountTable
			case WideCountSAI:
				cfg.WideCount = WideCountSAI
			case WideCountNone, "false":
				cfg.WideCount = WideCountNone
			default:
				return cfg, fmt.Errorf("cassandra DSN %q: widecount=%q: use table, sai or none", safe, v)
			}
		case "point_writes":
			if v != PointWritesBlind && v != PointWritesChecked {
				return cfg, fmt.Errorf("cassandra DSN %q: point_writes=%q: use blind or checked", safe, v)
			}
			cfg.PointWrites = v
		default:
			known, err := cfg.Conn.Set(k, v)
			if err != nil {
				return cfg, fmt.Errorf("cassandra DSN %q: %v", safe, err)
			}
			if !known {
				return cfg, fmt.Errorf("cassandra DSN %q: unknown option %q (known: consistency, timeout, connect_timeout, num_conns, coalesce, load_concurrency, replication_factor, widecount, point_writes, conns)", safe, k)
			}
		}
	}
	if err := cfg.Conn.Check("cassandra", drivers.ConnCaps{}); err != nil {
		return cfg, fmt.Errorf("cassandra DSN %q: %v", safe, err)
	}
	return cfg, nil
}

const dsnForm = "cassandra://[user:password@]host:port/keyspace?consistency=LOCAL_ONE, e.g. " + DefaultDSN

// consistencies are the levels a DSN may name (SERIAL and LOCAL_SERIAL
// are for lightweight transactions only).
var consistencies = []gocql.Consistency{
	gocql.Any, gocql.One, gocql.Two, gocql.Three, gocql.Quorum, gocql.All,
	gocql.LocalQuorum, gocql.EachQuorum, gocql.LocalOne,
}

func parseConsistency(s string) (gocql.Consistency, error) {
	for _, c := range consistencies {
		if strings.EqualFold(s, c.String()) {
			return c, nil
		}
	}
	names := make([]string, len(consistencies))
	for i, c := range consistencies {
		names[i] = c.String()
	}
	return 0, fmt.Errorf("use one of %s", strings.Join(names, ", "))
}

// validName matches the keyspace and table names the driver accepts:
// unquoted CQL identifiers, which also fit Cassandra's limit on name
// lengths once the driver's suffixes are added.
var validName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,47}$`)
