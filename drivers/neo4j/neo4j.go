package neo4j

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	n4j "github.com/neo4j/neo4j-go-driver/v5/neo4j"
	n4jconfig "github.com/neo4j/neo4j-go-driver/v5/neo4j/config"

	"github.com/storefit/storefit/drivers"
)

func init() { drivers.Register("neo4j", Driver{}) }

// Driver opens connections to a Neo4j server.
type Driver struct{}

// ParseDSN checks dsn as Open would, without connecting
// (drivers.DSNParser).
func (Driver) ParseDSN(dsn string) error {
	_, err := ParseConfig(dsn)
	return err
}

// Open connects to the server dsn names (see ParseConfig; empty is
// DefaultDSN) and checks that it answers.
func (Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return Connect(ctx, cfg)
}

// Describe describes the neo4j driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Libraries:  []string{"github.com/neo4j/neo4j-go-driver/v5"},
		Summary:    "Neo4j 5 graph database over Bolt (Cypher, a label per graph, UNWIND batch loads), client neo4j-go-driver",
		Conn:       (*Conn)(nil),
		DSNExample: "bolt://[user:password@]127.0.0.1:7687[?database=neo4j]",
	}
}

// Conn is a client of one Neo4j server (or cluster, with neo4j://): one
// Go driver with its connection pool. Every operation runs in a session
// of its own, which borrows a pooled connection. It is safe for
// concurrent use.
type Conn struct {
	cfg     Config
	driver  n4j.DriverWithContext
	version string
}

// Connect connects to the server cfg describes and checks that it answers,
// that the credentials are accepted and that the database exists.
func Connect(ctx context.Context, cfg Config) (*Conn, error) {
	token := n4j.NoAuth()
	if cfg.Username != "" {
		token = n4j.BasicAuth(cfg.Username, cfg.Password, "")
	}
	drv, err := n4j.NewDriverWithContext(cfg.URI, token, func(c *n4jconfig.Config) {
		c.MaxConnectionPoolSize = cfg.MaxConnections
		c.SocketConnectTimeout = cfg.DialTimeout
		c.ConnectionAcquisitionTimeout = cfg.DialTimeout + 10*time.Second
		c.UserAgent = "storefit"
		c.TelemetryDisabled = true
	})
	if err != nil {
		return nil, connectError(cfg.Addr, err)
	}
	c := &Conn{cfg: cfg, driver: drv}
	if err := drv.VerifyConnectivity(ctx); err != nil {
		drv.Close(context.WithoutCancel(ctx))
		return nil, connectError(cfg.Addr, err)
	}
	// The version query runs on the configured database, so a wrong
	// database name fails here, not in the first operation.
	v, err := readTx(ctx, c, "", func(tx querier) (string, error) {
		res, err := tx.Run(ctx, "CALL dbms.components() YIELD name, versions, edition RETURN name, versions[0], edition", nil)
		if err != nil {
			return "", err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return "", err
		}
		name, _ := rec.Values[0].(string)
		ver, _ := rec.Values[1].(string)
		edition, _ := rec.Values[2].(string)
		return strings.TrimSpace(strings.TrimSuffix(name, " Kernel") + " " + ver + " " + edition), nil
	})
	if err != nil {
		drv.Close(context.WithoutCancel(ctx))
		return nil, connectError(cfg.Addr, err)
	}
	c.version = v
	return c, nil
}

// connectError makes one line of a failure to connect to addr, with a hint
// for the usual causes.
func connectError(addr string, err error) error {
	msg := oneLine(err.Error())
	var hint string
	var ne *n4j.Neo4jError
	switch {
	case errors.As(err, &ne) && strings.HasPrefix(ne.Code, "Neo.ClientError.Security."):
		hint = "wrong or missing user or password in the DSN"
	case errors.As(err, &ne) && ne.Code == "Neo.ClientError.Database.DatabaseNotFound":
		hint = "no such database; community edition has only neo4j (and system)"
	case strings.Contains(msg, "connection refused"):
		hint = "is the server running? compose/native/neo4j.sh start"
	case strings.Contains(msg, "timeout") || strings.Contains(msg, "deadline"):
		hint = "no answer in time; check the address"
	}
	if hint != "" {
		return fmt.Errorf("neo4j at %s: %s (%s)", addr, msg, hint)
	}
	return fmt.Errorf("neo4j at %s: %s", addr, msg)
}

var spaces = regexp.MustCompile(`\s*\n\s*`)

// oneLine joins a multi-line message into one line.
func oneLine(s string) string { return spaces.ReplaceAllString(strings.TrimSpace(s), "; ") }

// Close closes the driver and its connections.
func (c *Conn) Close() error {
	return c.driver.Close(context.Background())
}

// Settings states how reads are run (results record it): "reads":
// "auto-commit" or "managed transaction"; and that no result is cached.
func (c *Conn) Settings() map[string]string {
	reads := "auto-commit"
	if c.cfg.Reads == ReadsManaged {
		reads = "managed transaction (reads=managed)"
	}
	return map[string]string{"reads": reads, "cache": "off (Neo4j caches query plans, not results; the graph in its page cache)"}
}

// Version reports the server's version and edition, as "Neo4j 5.26.30
// community" (from dbms.components(), asked at Connect).
func (c *Conn) Version(ctx context.Context) (string, error) { return c.version, nil }

// wrap gives an error of the server the context of the address and the
// operation, on one line; the error stays recognizable with errors.Is and
// errors.As (context.DeadlineExceeded, *neo4j.Neo4jError, …).
func (c *Conn) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("neo4j at %s: %s: %w", c.cfg.Addr, op, oneLineErr{err})
}

// oneLineErr shows an error on one line and unwraps to it.
type oneLineErr struct{ err error }

func (e oneLineErr) Error() string { return oneLine(e.err.Error()) }
func (e oneLineErr) Unwrap() error { return e.err }

// session opens a session on the configured database. Sessions are cheap:
// they borrow a pooled connection per transaction.
func (c *Conn) session(ctx context.Context, mode n4j.AccessMode) n4j.SessionWithContext {
	return c.driver.NewSession(ctx, n4j.SessionConfig{AccessMode: mode, DatabaseName: c.cfg.Database})
}

// querier runs Cypher: a managed transaction, or a session's auto-commit
// transaction.
type querier interface {
	Run(ctx context.Context, cypher string, params map[string]any) (n4j.ResultWithContext, error)
}

// autoCommit runs each query as an auto-commit transaction of s.
type autoCommitQuerier struct{ s n4j.SessionWithContext }

func (a autoCommitQuerier) Run(ctx context.Context, cypher string, params map[string]any) (n4j.ResultWithContext, error) {
	return a.s.Run(ctx, cypher, params)
}

// readTx runs work, one read statement, in a read session of its own: as
// an auto-commit transaction (the default, ReadsAutoCommit: RUN and PULL,
// one round trip), or in a managed read transaction (ReadsManaged: BEGIN,
// RUN, PULL, COMMIT, retried by the Go driver on transient errors). op
// names the operation for errors; "" returns the error unwrapped.
func readTx[T any](ctx context.Context, c *Conn, op string, work func(querier) (T, error)) (T, error) {
	s := c.session(ctx, n4j.AccessModeRead)
	defer s.Close(context.WithoutCancel(ctx))
	var v T
	var err error
	if c.cfg.Reads == ReadsManaged {
		v, err = n4j.ExecuteRead(ctx, s, func(tx n4j.ManagedTransaction) (T, error) { return work(tx) })
	} else {
		v, err = work(autoCommitQuerier{s})
	}
	if err != nil && op != "" {
		err = c.wrap(op, ctxErr(ctx, err))
	}
	return v, err
}

// writeTx runs work in a write transaction (retried on transient errors
// such as deadlocks) of a session of its own.
func writeTx(ctx context.Context, c *Conn, op string, work func(n4j.ManagedTransaction) error) error {
	s := c.session(ctx, n4j.AccessModeWrite)
	defer s.Close(context.WithoutCancel(ctx))
	_, err := s.ExecuteWrite(ctx, func(tx n4j.ManagedTransaction) (any, error) { return nil, work(tx) })
	return c.wrap(op, ctxErr(ctx, err))
}

// autoCommit runs one query in an auto-commit transaction, as schema
// commands and CALL { … } IN TRANSACTIONS need, and consumes its result.
func (c *Conn) autoCommit(ctx context.Context, op, query string, params map[string]any) error {
	s := c.session(ctx, n4j.AccessModeWrite)
	defer s.Close(context.WithoutCancel(ctx))
	res, err := s.Run(ctx, query, params)
	if err == nil {
		_, err = res.Consume(ctx)
	}
	return c.wrap(op, ctxErr(ctx, err))
}

// ctxErr makes an error caused by ctx's end recognizable with errors.Is
// (the Go driver reports some as its own errors without wrapping the
// context's).
func ctxErr(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil || errors.Is(err, ctx.Err()) {
		return err
	}
	return fmt.Errorf("%w (%v)", ctx.Err(), err)
}

// validName matches the names labels and constraints are built from. They
// are the only text put into Cypher that is not a parameter: Cypher
// cannot bind labels, and the check keeps them identifiers.
var validName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,99}$`)

func checkName(what, name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("neo4j: %s %q: use a letter, then letters, digits, '_'", what, name)
	}
	return nil
}
