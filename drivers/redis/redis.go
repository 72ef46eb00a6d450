package redis

import (
	"bufio"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/redis/rueidis"

	"github.com/storefit/storefit/drivers"
)

func init() { drivers.Register("redis", Driver{}) }

// Driver opens connections to a Redis server.
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

// Describe describes the redis driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Libraries:  []string{"github.com/redis/rueidis"},
		Summary:    "Redis server (hashes, sorted-set indexes kept by Lua scripts, blind point updates), client rueidis",
		Conn:       (*Conn)(nil),
		DSNExample: "redis://[:password@]127.0.0.1:6379/0",
	}
}

// Conn is a client of one Redis server: one rueidis client, which by
// default pipelines the commands of concurrent callers on shared
// connections, or (from WorkerConn) one worker's own client. A shared Conn
// is safe for concurrent use.
type Conn struct {
	cfg    Config
	client rueidis.Client
}

// Connect connects to the server cfg describes and checks that it answers
// (authenticating and selecting the database on the way).
func Connect(ctx context.Context, cfg Config) (*Conn, error) {
	client, err := rueidis.NewClient(clientOption(cfg, cfg.Conn.Pipelining == drivers.PipeliningOff, nil))
	if err != nil {
		return nil, connectError(cfg.Addr, err)
	}
	c := &Conn{cfg: cfg, client: client}
	if err := client.Do(ctx, client.B().Ping().Build()).Error(); err != nil {
		client.Close()
		return nil, connectError(cfg.Addr, err)
	}
	return c, nil
}

// connectError makes one line of a failure to connect to addr, with a hint
// for the usual causes.
func connectError(addr string, err error) error {
	msg := oneLine(err.Error())
	var hint string
	switch {
	case strings.Contains(msg, "WRONGPASS") || strings.Contains(msg, "NOAUTH") || strings.Contains(msg, "invalid password"):
		hint = "wrong or missing password in the DSN"
	case strings.Contains(msg, "connection refused"):
		hint = "is the server running? compose/native/redis.sh start"
	case strings.Contains(msg, "timeout"):
		hint = "no answer in time; check the address"
	}
	if hint != "" {
		return fmt.Errorf("redis at %s: %s (%s)", addr, msg, hint)
	}
	return fmt.Errorf("redis at %s: %s", addr, msg)
}

var spaces = regexp.MustCompile(`\s*\n\s*`)

// oneLine joins a multi-line message into one line.
func oneLine(s string) string { return spaces.ReplaceAllString(strings.TrimSpace(s), "; ") }

// Close closes the client.
func (c *Conn) Close() error {
	c.client.Close()
	return nil
}

// Version reports the server's version, as "Redis 7.0.15".
func (c *Conn) Version(ctx context.Context) (string, error) {
	info, err := c.client.Do(ctx, c.client.B().Info().Section("server").Build()).ToString()
	if err != nil {
		return "", c.wrap("info", err)
	}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "redis_version:"); ok {
			return "Redis " + strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("redis at %s: no redis_version in INFO", c.cfg.Addr)
}

// MemoryBound reports Redis's maxmemory and its eviction policy, as
// "maxmemory 64 MiB, policy noeviction", or "" when maxmemory is 0 (no
// bound). Redis keeps every key in memory: under noeviction a load larger
// than the bound fails with OOM errors, which is the answer to "does the
// data set fit".
func (c *Conn) MemoryBound(ctx context.Context) (string, error) {
	m, err := c.client.Do(ctx, c.client.B().ConfigGet().Parameter("maxmemory", "maxmemory-policy").Build()).AsStrMap()
	if err != nil {
		return "", c.wrap("config get maxmemory", err)
	}
	n, err := strconv.ParseInt(m["maxmemory"], 10, 64)
	if err != nil {
		return "", fmt.Errorf("redis at %s: maxmemory %q: %w", c.cfg.Addr, m["maxmemory"], err)
	}
	if n == 0 {
		return "", nil
	}
	return fmt.Sprintf("maxmemory %s, policy %s", formatMiB(n), m["maxmemory-policy"]), nil
}

// formatMiB prints a byte count in MiB (GiB from 10 GiB), as the bounds
// are given.
func formatMiB(n int64) string {
	if n >= 10<<30 {
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', -1, 64) + " GiB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64) + " MiB"
}

// wrap gives an error of the server the context of the address and the
// operation, on one line; the error stays recognizable with errors.Is
// (context.DeadlineExceeded, …).
func (c *Conn) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("redis at %s: %s: %w", c.cfg.Addr, op, oneLineErr{err})
}

// oneLineErr shows an error on one line and unwraps to it.
type oneLineErr struct{ err error }

func (e oneLineErr) Error() string { return oneLine(e.err.Error()) }
func (e oneLineErr) Unwrap() error { return e.err }

// deleteKeys removes the keys matching the glob pattern (SCAN + UNLINK,
// so the server never blocks on a large keyspace) and the keys named.
func (c *Conn) deleteKeys(ctx context.Context, pattern string, keys ...string) error {
	b := c.client.B
	if len(keys) > 0 {
		if err := c.client.Do(ctx, b().Unlink().Key(keys...).Build()).Error(); err != nil {
			return c.wrap("unlink", err)
		}
	}
	var cursor uint64
	for {
		e, err := c.client.Do(ctx, b().Scan().Cursor(cursor).Match(pattern).Count(1000).Build()).AsScanEntry()
		if err != nil {
			return c.wrap("scan "+pattern, err)
		}
		if len(e.Elements) > 0 {
			if err := c.client.Do(ctx, b().Unlink().Key(e.Elements...).Build()).Error(); err != nil {
				return c.wrap("unlink", err)
			}
		}
		if cursor = e.Cursor; cursor == 0 {
			return nil
		}
	}
}

// validName matches the table names and prefixes keys are built from:
// with no ':' or glob characters, one table's keys never match another's
// pattern.
var validName = regexp.MustCompile(`^[A-Za-z0-9_.-]*$`)

func checkName(what, name string, empty bool) error {
	if (name == "" && !empty) || !validName.MatchString(name) {
		return fmt.Errorf("redis: %s %q: use letters, digits, '_', '.', '-'", what, name)
	}
	return nil
}
