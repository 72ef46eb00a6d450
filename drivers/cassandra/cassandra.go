package cassandra

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/storefit/storefit/drivers"
)

func init() { drivers.Register("cassandra", Driver{}) }

// Driver opens connections to a Cassandra cluster.
type Driver struct{}

// ParseDSN checks dsn as Open would, without connecting
// (drivers.DSNParser).
func (Driver) ParseDSN(dsn string) error {
	_, err := ParseConfig(dsn)
	return err
}

// Open connects to the cluster dsn names (see ParseConfig; empty is
// DefaultDSN) and checks that it answers.
func (Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return Connect(ctx, cfg)
}

// Describe describes the cassandra driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Libraries:  []string{"github.com/apache/cassandra-gocql-driver/v2"},
		Summary:    "Apache Cassandra (partitions and clustering columns, query table for wide counts, LWT for likes), client gocql",
		Conn:       (*Conn)(nil),
		DSNExample: "cassandra://[user:password@]127.0.0.1:9042/storefit?consistency=LOCAL_ONE",
	}
}

// Conn is a gocql session on one cluster: a pool of connections to every
// node with token-aware routing (a request goes to a replica of its
// partition), which pipelines the requests of concurrent callers. It is
// safe for concurrent use.
type Conn struct {
	cfg     Config
	session *gocql.Session

	mu       sync.Mutex
	keyspace bool // the keyspace is known to exist
}

// Connect connects to the cluster cfg describes and checks that it
// answers.
func Connect(ctx context.Context, cfg Config) (*Conn, error) {
	host, port, err := splitAddr(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("cassandra at %s: %v", cfg.Addr, err)
	}
	cc := gocql.NewCluster(host)
	cc.Port = port
	cc.Consistency = cfg.Consistency
	// Lightweight transactions (crud's likes and creates) run Paxos among
	// the replicas of the local data center.
	cc.SerialConsistency = gocql.LocalSerial
	cc.Timeout = cfg.Timeout
	cc.ConnectTimeout = cfg.ConnectTimeout
	cc.WriteTimeout = cfg.Timeout
	cc.NumConns = cfg.NumConns
	cc.WriteCoalesceWaitTime = cfg.Coalesce
	// Token-aware routing: each request goes straight to a replica of its
	// partition (from the routing key of its prepared statement), with
	// round robin among the nodes when a request has no routing key.
	cc.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(gocql.RoundRobinHostPolicy())
	// No retries: a failed request is an error the runner counts. A dead
	// node fails requests at once instead of holding them (no reconnection
	// attempts during a request).
	cc.RetryPolicy = &gocql.SimpleRetryPolicy{NumRetries: 0}
	cc.ReconnectionPolicy = &gocql.ConstantReconnectionPolicy{MaxRetries: 1, Interval: cfg.ConnectTimeout}
	if cfg.Username != "" || cfg.Password != "" {
		cc.Authenticator = gocql.PasswordAuthenticator{Username: cfg.Username, Password: cfg.Password}
	}
	type result struct {
		s   *gocql.Session
		err error
	}
	// CreateSession takes no context: run it aside, so ctx still bounds
	// Open.
	done := make(chan result, 1)
	go func() {
		s, err := cc.CreateSession()
		done <- result{s, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		go func() {
			if r := <-done; r.s != nil {
				r.s.Close()
			}
		}()
		return nil, fmt.Errorf("cassandra at %s: %w", cfg.Addr, ctx.Err())
	}
	if r.err != nil {
		return nil, connectError(cfg.Addr, r.err)
	}
	c := &Conn{cfg: cfg, session: r.s}
	if _, err := c.release(ctx); err != nil {
		r.s.Close()
		return nil, connectError(cfg.Addr, err)
	}
	return c, nil
}

// splitAddr splits host:port.
func splitAddr(addr string) (string, int, error) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return "", 0, fmt.Errorf("address %q has no port", addr)
	}
	var port int
	if _, err := fmt.Sscanf(addr[i+1:], "%d", &port); err != nil {
		return "", 0, fmt.Errorf("address %q: bad port", addr)
	}
	return strings.Trim(addr[:i], "[]"), port, nil
}

// connectError makes one line of a failure to connect to addr, with a hint
// for the usual causes.
func connectError(addr string, err error) error {
	msg := oneLine(err.Error())
	var hint string
	switch {
	case strings.Contains(msg, "authentication") || strings.Contains(msg, "Username and/or password") || strings.Contains(msg, "credentials"):
		hint = "wrong or missing user or password in the DSN"
	case strings.Contains(msg, "connection refused") || strings.Contains(msg, "no connections were made"):
		hint = "is the server running? compose/native/cassandra.sh start"
	case strings.Contains(msg, "timeout") || strings.Contains(msg, "deadline"):
		hint = "no answer in time; check the address"
	}
	if hint != "" {
		return fmt.Errorf("cassandra at %s: %s (%s)", addr, msg, hint)
	}
	return fmt.Errorf("cassandra at %s: %s", addr, msg)
}

var spaces = regexp.MustCompile(`\s*\n\s*`)

// oneLine joins a multi-line message into one line.
func oneLine(s string) string { return spaces.ReplaceAllString(strings.TrimSpace(s), "; ") }

// Close closes the session.
func (c *Conn) Close() error {
	c.session.Close()
	return nil
}

// release returns the server's release_version.
func (c *Conn) release(ctx context.Context) (string, error) {
	var v string
	err := c.session.Query(`SELECT release_version FROM system.local WHERE key = 'local'`).ScanContext(ctx, &v)
	return v, err
}

// Settings states the choices that change what is measured (results
// record them): how point updates and deletes write, how wide counts
// are kept, and the server's caches (cassandra.yaml leaves Cassandra's
// defaults).
func (c *Conn) Settings() map[string]string {
	pw := "blind (one request, as YCSB's binding)"
	if c.cfg.PointWrites == PointWritesChecked {
		pw = "checked (read, then write: drivers.ErrNotFound for missing keys)"
	}
	return map[string]string{"point_writes": pw, "widecount": c.cfg.WideCount + " (none for mixes that do not count)", "consistency": c.cfg.Consistency.String(),
		"cache": "row cache off, key cache on (Cassandra's defaults); no query-result cache"}
}

// Version reports the server's version and the consistency level the
// driver reads and writes with, as "Cassandra 5.0.9 (consistency
// LOCAL_ONE)".
func (c *Conn) Version(ctx context.Context) (string, error) {
	v, err := c.release(ctx)
	if err != nil {
		return "", c.wrap("version", err)
	}
	return fmt.Sprintf("Cassandra %s (consistency %s)", v, c.cfg.Consistency), nil
}

// wrap gives an error of the server the context of the address and the
// operation, on one line; the error stays recognizable with errors.Is
// (context.DeadlineExceeded, …).
func (c *Conn) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("cassandra at %s: %s: %w", c.cfg.Addr, op, oneLineErr{err})
}

// oneLineErr shows an error on one line and unwraps to it.
type oneLineErr struct{ err error }

func (e oneLineErr) Error() string { return oneLine(e.err.Error()) }
func (e oneLineErr) Unwrap() error { return e.err }

// tableName checks a table name (or prefix, when empty is allowed) a
// workload gives: letters, digits and '_', short enough for the suffixes
// the driver adds to stay within Cassandra's 48 characters.
var tableName = regexp.MustCompile(`^[A-Za-z0-9_]{0,38}$`)

func checkName(what, name string, empty bool) error {
	if (name == "" && !empty) || !tableName.MatchString(name) {
		return fmt.Errorf("cassandra: %s %q: use at most 38 letters, digits and '_'", what, name)
	}
	return nil
}

// table returns the quoted, keyspace-qualified name of table name, for
// statements: "ks"."name" (names are checked, so quoting keeps their case).
func (c *Conn) table(name string) string {
	return `"` + c.cfg.Keyspace + `"."` + name + `"`
}

// ensureKeyspace creates the keyspace if it does not exist yet.
func (c *Conn) ensureKeyspace(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keyspace {
		return nil
	}
	stmt := fmt.Sprintf(`CREATE KEYSPACE IF NOT EXISTS "%s" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': %d}`,
		c.cfg.Keyspace, c.cfg.ReplicationFactor)
	if err := c.session.Query(stmt).ExecContext(ctx); err != nil {
		return c.wrap("create keyspace "+c.cfg.Keyspace, err)
	}
	c.keyspace = true
	return nil
}

// tableDef is a table a pattern needs: its CREATE TABLE statement and the
// statements that create its indexes, with "%s" where the qualified table
// name goes.
type tableDef struct {
	name    string
	create  string
	indexes []string
}

// resetTables makes each table exist and be empty, as Setup must. A table
// created by an earlier Setup with the same definition is truncated (no
// schema change: fast, and prepared statements stay valid); any other
// table of that name is dropped and created anew. The definition is
// recognized by a hash of its statements kept in the table's comment.
func (c *Conn) resetTables(ctx context.Context, defs ...tableDef) error {
	if err := c.ensureKeyspace(ctx); err != nil {
		return err
	}
	for _, d := range defs {
		name := c.table(d.name)
		h := sha256.New()
		h.Write([]byte(d.create))
		for _, ix := range d.indexes {
			h.Write([]byte{0})
			h.Write([]byte(ix))
		}
		sum := "storefit " + hex.EncodeToString(h.Sum(nil)[:8])
		var comment string
		err := c.session.Query(`SELECT comment FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?`,
			c.cfg.Keyspace, d.name).ScanContext(ctx, &comment)
		switch {
		case err == nil && comment == sum:
			if err := c.session.Query("TRUNCATE TABLE " + name).ExecContext(ctx); err != nil {
				return c.wrap("truncate "+d.name, err)
			}
			continue
		case err == nil:
			if err := c.session.Query("DROP TABLE IF EXISTS " + name).ExecContext(ctx); err != nil {
				return c.wrap("drop "+d.name, err)
			}
		case !errors.Is(err, gocql.ErrNotFound):
			return c.wrap("look up table "+d.name, err)
		}
		with := " WITH "
		if strings.Contains(d.create, with) {
			with = " AND "
		}
		create := fmt.Sprintf(d.create, name) + with + "comment = '" + sum + "'"
		if err := c.session.Query(create).ExecContext(ctx); err != nil {
			return c.wrap("create table "+d.name, err)
		}
		for _, ix := range d.indexes {
			if err := c.session.Query(fmt.Sprintf(ix, name)).ExecContext(ctx); err != nil {
				return c.wrap("create index on "+d.name, err)
			}
		}
	}
	return nil
}

// parallel runs f(0) … f(n-1) with at most limit of them at a time and
// returns the first error (the others still run to their end).
func parallel(n, limit int, f func(i int) error) error {
	if n == 1 {
		return f(0)
	}
	limit = min(limit, n)
	var (
		wg    sync.WaitGroup
		next  = make(chan int)
		errMu sync.Mutex
		first error
	)
	for range limit {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					errMu.Lock()
					if first == nil {
						first = err
					}
					errMu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// reads makes a store's read queries: at the session's consistency level
// or, once Refresh was called (storefit's verify step, before it reads back
// what a run wrote), at ALL, so that a read sees every write a replica
// acknowledged even when writes and reads run at LOCAL_ONE — what an
// operator does to audit a replicated table. With one replica (as in CI)
// ALL and ONE are the same.
type reads struct {
	session *gocql.Session
	all     atomic.Bool
}

// query returns a read query of stmt.
func (r *reads) query(stmt string, args ...any) *gocql.Query {
	q := r.session.Query(stmt, args...)
	if r.all.Load() {
		q = q.Consistency(gocql.All)
	}
	return q
}

// Refresh makes the store's later reads run at consistency ALL.
func (r *reads) Refresh(ctx context.Context) error {
	r.all.Store(true)
	return nil
}
