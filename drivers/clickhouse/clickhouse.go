package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"strings"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/storefit/storefit/drivers"
)

func init() { drivers.Register("clickhouse", Driver{}) }

var _ drivers.Versioner = (*Conn)(nil)

// Driver opens connections to ClickHouse servers.
type Driver struct{}

// Describe describes the clickhouse driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Libraries:  []string{"github.com/ClickHouse/clickhouse-go/v2"},
		Summary:    "ClickHouse (clickhouse-go, native protocol): agg and series on MergeTree tables sorted for the queries, batch inserts",
		Conn:       (*Conn)(nil),
		DSNExample: drivers.RedactDSN(DefaultDSN),
	}
}

// ParseDSN checks dsn as Open would, without connecting
// (drivers.DSNParser).
func (Driver) ParseDSN(dsn string) error {
	_, err := ParseConfig(dsn)
	return err
}

// Open connects to the server dsn names (DefaultDSN when empty; see
// ParseConfig) and checks that it answers.
func (Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, cfg)
}

// Conn is a pool of native-protocol connections to one ClickHouse server,
// shared by all workers; safe for concurrent use.
type Conn struct {
	cfg        Config
	db         driver.Conn
	where      string // "clickhouse host:port", the start of every error
	version    string
	insertMode string // InsertBatch or InsertArrayJoin
}

// maxQuerySize lets an INSERT … SELECT of bound arrays (InsertArrayJoin)
// carry a whole batch in its text: ClickHouse's default is 256 KiB.
const maxQuerySize = 1 << 30

// OpenConfig opens a pool with a parsed configuration.
func OpenConfig(ctx context.Context, cfg Config) (*Conn, error) {
	c := &Conn{cfg: cfg, where: "clickhouse " + cfg.Addr}
	db, err := c.open(ctx, cfg.Database)
	var ex *ch.Exception
	if errors.As(err, &ex) && ex.Code == unknownDatabase {
		// Create the database, then connect to it.
		if err = c.createDatabase(ctx); err == nil {
			db, err = c.open(ctx, cfg.Database)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s", c.where, oneLine(err))
	}
	sv, err := db.ServerVersion()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: server version: %s", c.where, oneLine(err))
	}
	c.db = db
	c.version = fmt.Sprintf("%d.%d.%d", sv.Version.Major, sv.Version.Minor, sv.Version.Patch)
	c.insertMode = cfg.Insert
	if c.insertMode == InsertAuto {
		c.insertMode = InsertArrayJoin
		if sv.Version.Major >= 22 {
			c.insertMode = InsertBatch
		}
	}
	return c, nil
}

// unknownDatabase is ClickHouse's error code for a missing database.
const unknownDatabase = 81

// open opens a pool on database and pings the server.
func (c *Conn) open(ctx context.Context, database string) (driver.Conn, error) {
	cfg := c.cfg
	db, err := ch.Open(&ch.Options{
		Protocol:     ch.Native,
		Addr:         []string{cfg.Addr},
		Auth:         ch.Auth{Database: database, Username: cfg.Username, Password: cfg.Password},
		DialTimeout:  cfg.DialTimeout,
		ReadTimeout:  cfg.ReadTimeout,
		MaxOpenConns: cfg.MaxOpenConns,
		MaxIdleConns: cfg.MaxOpenConns,
		Settings:     ch.Settings{"max_query_size": maxQuerySize},
	})
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		var ex *ch.Exception
		if errors.As(err, &ex) {
			return nil, err
		}
		return nil, fmt.Errorf("%w (is the server running? compose/native/clickhouse.sh start starts one)", err)
	}
	return db, nil
}

// createDatabase creates the configured database, connected to the user's
// default one.
func (c *Conn) createDatabase(ctx context.Context) error {
	db, err := c.open(ctx, "")
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+ident(c.cfg.Database))
}

// Close closes the pool.
func (c *Conn) Close() error { return c.db.Close() }

// Version returns the server's version and the insert path, e.g.
// "ClickHouse 18.16.1 (inserts: arrayjoin)".
func (c *Conn) Version(ctx context.Context) (string, error) {
	return "ClickHouse " + c.version + " (inserts: " + c.insertMode + ")", nil
}

// InsertMode returns how the connection inserts rows: InsertBatch or
// InsertArrayJoin.
func (c *Conn) InsertMode() string { return c.insertMode }

// wrap returns err with the server address and what was being done, as one
// line; nil stays nil.
func (c *Conn) wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &opError{where: c.where, what: fmt.Sprintf(format, args...), err: err}
}

// opError is a failed operation: "clickhouse host:port: what: cause".
type opError struct {
	where, what string
	err         error
}

func (e *opError) Error() string { return e.where + ": " + e.what + ": " + oneLine(e.err) }
func (e *opError) Unwrap() error { return e.err }

// oneLine flattens an error message to one line.
func oneLine(err error) string {
	s := err.Error()
	if strings.ContainsAny(s, "\r\n") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return s
}

// ident quotes a name for SQL with backquotes. Table names come from
// workload settings, never from data.
func ident(name string) string {
	return "`" + strings.NewReplacer("\\", "\\\\", "`", "\\`").Replace(name) + "`"
}

// checkName rejects table names that are empty or too long for derived
// names.
func checkName(kind, name string) error {
	if name == "" {
		return fmt.Errorf("clickhouse: %s needs a name", kind)
	}
	if len(name) > 100 || strings.ContainsRune(name, 0) {
		return fmt.Errorf("clickhouse: %s name %q is too long or contains NUL", kind, name)
	}
	return nil
}

// exec runs statements (DDL) one by one.
func (c *Conn) exec(ctx context.Context, what string, stmts ...string) error {
	for _, s := range stmts {
		if err := c.db.Exec(ctx, s); err != nil {
			return c.wrap(err, "%s", what)
		}
	}
	return nil
}
