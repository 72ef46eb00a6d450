package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/storefit/storefit/drivers"
)

func init() { drivers.Register("timescale", TimescaleDriver{}) }

// DefaultTimescaleDSN is the TimescaleDB server of compose/'s
// docker-compose.yml (service timescaledb): the DSN an empty one stands for.
const DefaultTimescaleDSN = "postgres://storefit:storefit@127.0.0.1:5433/storefit?sslmode=disable"

// TimescaleDriver opens PostgreSQL servers with the TimescaleDB extension as
// the store "timescale": the postgres driver's Conn, with the series
// pattern on a compressed hypertable bucketed by time_bucket. Every other
// pattern is the postgres driver's, so results show what the extension
// changes and what it does not.
type TimescaleDriver struct{}

// Describe describes the timescale driver.
func (TimescaleDriver) Describe() drivers.Info {
	return drivers.Info{
		Libraries:  []string{"github.com/jackc/pgx/v5"},
		Summary:    "TimescaleDB (the postgres driver): series on a compressed hypertable with time_bucket; other patterns as postgres",
		Conn:       (*Conn)(nil),
		DSNExample: drivers.RedactDSN(DefaultTimescaleDSN),
	}
}

// ParseDSN checks dsn as Open would, without connecting
// (drivers.DSNParser).
func (TimescaleDriver) ParseDSN(dsn string) error {
	_, err := parseTimescale(dsn)
	return err
}

// parseTimescale parses a timescale DSN: a postgres one (DefaultTimescaleDSN
// when empty) without the timescaledb option.
func parseTimescale(dsn string) (Config, error) {
	if strings.TrimSpace(dsn) == "" {
		dsn = DefaultTimescaleDSN
	}
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return Config{}, err
	}
	if cfg.Timescale != "" {
		return Config{}, fmt.Errorf("bad DSN %s: timescaledb=%s: the timescale store always uses TimescaleDB (the option is the postgres store's)", cfg.Redacted, cfg.Timescale)
	}
	cfg.Timescale = TimescaleRequire
	return cfg, nil
}

// Open connects like the postgres driver (DefaultTimescaleDSN when dsn is
// empty) and fails with a clear error unless the timescaledb extension is
// usable on the server: installed, preloaded and created in the database
// (see ensureTimescale). The DSN option timescaledb is not allowed: the
// store name decides.
func (TimescaleDriver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	cfg, err := parseTimescale(dsn)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, cfg)
}

// hypertables reports whether the series pattern uses TimescaleDB: the
// timescale store, or the postgres store opted in by timescaledb=on.
func (c *Conn) hypertables() bool {
	return c.cfg.Timescale == TimescaleOn || c.cfg.Timescale == TimescaleRequire
}

// ensureTimescale makes sure the timescaledb extension is usable, or says
// in one line why not: installed on the server (listed in
// pg_available_extensions), preloaded (in shared_preload_libraries, without
// which CREATE EXTENSION fails with "must be preloaded"), and created in the
// database (CREATE EXTENSION IF NOT EXISTS, which needs a superuser or, the
// extension being trusted, the database owner). Only superusers may read
// shared_preload_libraries, so preloading is recognized by the settings
// TimescaleDB's loader defines when it is preloaded: pg_settings lists
// them then, and never lists the placeholders of a library not loaded.
func (c *Conn) ensureTimescale(ctx context.Context) error {
	var available, preloaded, created bool
	err := c.pool.QueryRow(ctx, `SELECT
	EXISTS (SELECT FROM pg_available_extensions WHERE name = 'timescaledb'),
	EXISTS (SELECT FROM pg_settings WHERE name = 'timescaledb.bgw_launcher_poll_time'),
	EXISTS (SELECT FROM pg_extension WHERE extname = 'timescaledb')`).Scan(&available, &preloaded, &created)
	switch {
	case err != nil:
		return c.wrap(err, "look for timescaledb")
	case !available:
		return fmt.Errorf("%s: the timescaledb extension is not installed on this server (compose/native/timescale.sh start starts PostgreSQL with TimescaleDB; with Docker: docker compose -f compose/docker-compose.yml up -d timescaledb, port 5433)", c.where)
	case !preloaded:
		return fmt.Errorf("%s: the timescaledb extension is installed but not preloaded: add timescaledb to shared_preload_libraries in postgresql.conf and restart the server", c.where)
	case created:
		return nil
	}
	if err := c.ddl(ctx, "create the timescaledb extension", "CREATE EXTENSION IF NOT EXISTS timescaledb"); err != nil {
		if sqlState(err) == uniqueViolation {
			return nil // created by a concurrent Open
		}
		return fmt.Errorf("%w (a superuser must run CREATE EXTENSION timescaledb in this database)", err)
	}
	return nil
}

// timescaleSetupDDL returns the statements that turn a fresh readings table
// into a hypertable of 12-hour chunks (indexes come with FinishLoad) and,
// in TimescaleRequire mode, enable compression segmented by host and
// ordered by time, as TimescaleDB advises for per-series queries. Open made
// sure the extension exists.
func timescaleSetupDDL(table string, compress bool) []string {
	lit := "'" + strings.ReplaceAll(table, "'", "''") + "'"
	stmts := []string{
		"SELECT create_hypertable(" + lit + "::regclass, 'time', chunk_time_interval => interval '12 hours', create_default_indexes => false)",
	}
	if compress {
		stmts = append(stmts, "ALTER TABLE "+table+" SET (timescaledb.compress, timescaledb.compress_segmentby = 'tags_id', timescaledb.compress_orderby = 'time DESC')")
	}
	return stmts
}

// timescaleFinishDDL compresses every chunk of the loaded table (in
// TimescaleRequire mode), after its indexes are built. Rows loaded later go
// to the uncompressed part of their chunk, which TimescaleDB reads along.
func timescaleFinishDDL(table string) string {
	lit := "'" + strings.ReplaceAll(table, "'", "''") + "'"
	return "SELECT count(compress_chunk(c, if_not_compressed => true)) FROM show_chunks(" + lit + "::regclass) c"
}

// bucketSQL returns the SQL of the epoch-aligned bucket of col with the
// width in parameter param: date_bin on plain PostgreSQL, time_bucket with
// an epoch origin for the timescale store (its default origin, 2000-01-03,
// is not aligned for widths that do not divide a day, such as 7 s).
func bucketSQL(timescale bool, param, col string) string {
	if timescale {
		return "time_bucket(" + param + ", " + col + ", origin => " + epoch + ")"
	}
	return "date_bin(" + param + ", " + col + ", " + epoch + ")"
}
