package postgres

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/internal/blockconn"
)

// DefaultDSN is the server compose/native/postgres.sh (and compose/'s
// docker-compose.yml) starts: the DSN an empty one stands for.
const DefaultDSN = "postgres://storefit:storefit@127.0.0.1:5432/storefit?sslmode=disable"

// Ranking functions of search results (Config.SearchRank).
const (
	// RankBM25 scores with BM25 (k1 = 1.2, b = 0.75) computed in SQL from
	// document frequencies the store keeps: the reference ranking.
	RankBM25 = "bm25"
	// RankTS scores with Postgres' own ts_rank.
	RankTS = "ts_rank"
)

// Encodings of the wide pattern's sparse columns (Config.WideEncoding).
const (
	// WideJSONB keeps a row's columns in one jsonb object.
	WideJSONB = "jsonb"
	// WideHstore keeps them in one hstore (extension hstore).
	WideHstore = "hstore"
)

// TimescaleDB use of the series pattern (Config.Timescale). What is
// installed on the server never changes the schema: the postgres store uses
// plain tables unless its DSN opts in, so two "postgres" results always
// measure the same layout.
const (
	// TimescaleOff (the default, also the empty string) uses plain
	// PostgreSQL tables, whatever extensions the server offers.
	TimescaleOff = "off"
	// TimescaleOn is the postgres store's explicit opt-in (DSN option
	// timescaledb=on, kept in the result's DSN; the store version names
	// TimescaleDB): the series table is a hypertable of 12-hour chunks,
	// buckets stay date_bin's and nothing is compressed. Open fails unless
	// the extension is usable.
	TimescaleOn = "on"
	// TimescaleRequire is the timescale store's mode: Open fails unless
	// the extension is usable; the series table is a compressed hypertable
	// and buckets are time_bucket's. It is not a DSN option value: the
	// store name says it.
	TimescaleRequire = "require"
)

// defaultMaxConns is the pool size when the DSN does not set
// pool_max_conns: enough for the runner's workers and loaders.
const defaultMaxConns = 32

// Config is a parsed, checked postgres DSN.
type Config struct {
	// Pool is the pgx pool configuration the DSN describes, with the
	// storefit options below removed from its run-time parameters.
	Pool *pgxpool.Config
	// SearchRank is the ranking of search results: RankBM25 (default) or
	// RankTS (DSN option search_rank).
	SearchRank string
	// WideEncoding is how the wide pattern stores sparse columns:
	// WideHstore (default) or WideJSONB (DSN option wide_encoding).
	WideEncoding string
	// Timescale is empty (plain tables) unless the DSN option timescaledb
	// sets TimescaleOff or TimescaleOn; TimescaleRequire for the timescale
	// store.
	Timescale string
	// Conn holds the connection options conns (shared: the pgxpool,
	// the default; worker: a pgx connection per worker) and io (netpoll,
	// the default; blocking: blocking system calls on the worker's
	// thread, see drivers/internal/blockconn).
	Conn drivers.ConnOptions
	// Redacted is the DSN with its password replaced, for messages.
	Redacted string
}

// Address returns host:port of the server, for messages.
func (c Config) Address() string {
	cc := c.Pool.ConnConfig
	return net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port)))
}

// ParseConfig parses a DSN: a libpq connection URL or key=value string as
// pgx understands it (including pgxpool's pool_* settings and pgx's
// default_query_exec_mode), plus the storefit options search_rank,
// wide_encoding, timescaledb, conns and io. An empty DSN is DefaultDSN.
// Errors never show the password.
func ParseConfig(dsn string) (Config, error) {
	if strings.TrimSpace(dsn) == "" {
		dsn = DefaultDSN
	}
	red := drivers.RedactDSN(dsn)
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's reasons may quote pieces of the DSN (`missing "=" after
		// "user:pw@host"`): scrub them too.
		reason := drivers.NewRedactor(dsn).Redact(parseErrorText(err))
		return Config{}, fmt.Errorf("bad DSN %s: %s (want e.g. %s)", red, reason, drivers.RedactDSN(DefaultDSN))
	}
	c := Config{Pool: pc, SearchRank: RankBM25, WideEncoding: WideHstore, Redacted: red}
	rp := pc.ConnConfig.RuntimeParams
	options := []struct {
		name    string
		dst     *string
		allowed []string
	}{
		{"search_rank", &c.SearchRank, []string{RankBM25, RankTS}},
		{"wide_encoding", &c.WideEncoding, []string{WideHstore, WideJSONB}},
		{"timescaledb", &c.Timescale, []string{TimescaleOff, TimescaleOn}},
	}
	for _, o := range options {
		v, ok := rp[o.name]
		if !ok {
			continue
		}
		delete(rp, o.name)
		found := false
		for _, a := range o.allowed {
			if v == a {
				found = true
			}
		}
		if !found {
			return Config{}, fmt.Errorf("bad DSN %s: %s=%q (use %s)", red, o.name, v, strings.Join(o.allowed, " or "))
		}
		*o.dst = v
	}
	for _, name := range drivers.ConnOptionNames {
		v, ok := rp[name]
		if !ok {
			continue
		}
		delete(rp, name)
		if _, err := c.Conn.Set(name, v); err != nil {
			return Config{}, fmt.Errorf("bad DSN %s: %v", red, err)
		}
	}
	if err := c.Conn.Check("postgres", drivers.ConnCaps{Blocking: true}); err != nil {
		return Config{}, fmt.Errorf("bad DSN %s: %v", red, err)
	}
	if c.Conn.Blocking() {
		// pgx's own dialer, keep-alive included, with blocking sockets.
		pc.ConnConfig.DialFunc = blockconn.Dialer(&net.Dialer{KeepAlive: 5 * time.Minute})
	}
	if _, ok := rp["timezone"]; !ok {
		// Times come back as instants anyway; UTC keeps server-side
		// date arithmetic independent of the server's zone.
		rp["timezone"] = "UTC"
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		pc.MaxConns = defaultMaxConns
	}
	if pc.ConnConfig.ConnectTimeout == 0 {
		pc.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	if pc.ConnConfig.Host == "" {
		return Config{}, fmt.Errorf("bad DSN %s: no host", red)
	}
	return c, nil
}

// parseErrorText returns the reason pgx gives for a bad DSN, without the
// DSN it quotes.
func parseErrorText(err error) string {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		s := pe.Error()
		// "cannot parse `…`: reason"
		if i := strings.LastIndex(s, "`: "); i >= 0 {
			return s[i+3:]
		}
		if inner := errors.Unwrap(pe); inner != nil {
			return inner.Error()
		}
		return "cannot parse"
	}
	return err.Error()
}
