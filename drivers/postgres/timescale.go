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
	if cfg.Timescale != TimescaleAuto {
		return Config{}, fmt.Errorf("bad DSN %s: timescaledb=%s: the timescale store always uses TimescaleDB (use the postgres store for plain tables)", cfg.Redacted, cfg.Timescale)
	}
	cfg.Timescale = TimescaleRequire
	return cfg, nil
}

// Open connects like the postgres driver (DefaultTimescaleDSN when dsn is
// empty) and fails unless the server offers the timescaledb extension. The
// DSN option timescaledb is not allowed: the store name decides.
func (TimescaleDriver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	cfg, err := parseTimescale(dsn)
	if err != nil {
		return nil, err
	}
	c, err := OpenConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ok, err := c.timescaleAvailable(ctx)
	if err == nil && !ok {
		err = fmt.Errorf("%s: the timescaledb extension is not available on this server (TimescaleDB is not packaged for Debian; docker compose -f compose/docker-compose.yml up -d timescaledb starts one on port 5433)", c.where)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// timescaleSetupDDL returns the statements that turn a fresh readings table
// into a hypertable of 12-hour chunks (indexes come with FinishLoad) and,
// in TimescaleRequire mode, enable compression segmented by host and
// ordered by time, as TimescaleDB advises for per-series queries.
func timescaleSetupDDL(table string, compress bool) []string {
	lit := "'" + strings.ReplaceAll(table, "'", "''") + "'"
	stmts := []string{
		"CREATE EXTENSION IF NOT EXISTS timescaledb",
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
