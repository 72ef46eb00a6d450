package duckdb

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// MemoryPath is the DSN path that selects an in-memory database: nothing is
// written to disk.
const MemoryPath = ":memory:"

// Config is a parsed DSN.
type Config struct {
	// Path is the database file. Empty means a file in a fresh temporary
	// directory that Close removes; MemoryPath means an in-memory database.
	// A file given here is used as it is and kept.
	Path string
	// Threads is the number of DuckDB worker threads; 0 leaves DuckDB's
	// default (one per core).
	Threads int
	// MemoryLimit caps DuckDB's buffer memory ("4GB", "512MiB"); empty leaves
	// DuckDB's default (80 % of RAM).
	MemoryLimit string
}

// options are the DSN query options ParseConfig knows.
var options = []string{"memory_limit", "threads"}

// memoryLimitRE matches a DuckDB memory size: a number and a unit.
var memoryLimitRE = regexp.MustCompile(`^(?i)[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)$`)

// ParseConfig parses a DSN of the form
//
//	[PATH][?threads=N&memory_limit=SIZE]
//
// where PATH is a database file (created if missing, kept at Close), or
// ":memory:", or empty for a file in a temporary directory removed at Close.
// Unknown options, repeated options and malformed values are errors.
func ParseConfig(dsn string) (Config, error) {
	var cfg Config
	path, query, _ := strings.Cut(dsn, "?")
	cfg.Path = strings.TrimSpace(path)
	if strings.ContainsRune(cfg.Path, 0) {
		return Config{}, errors.New("duckdb: path contains a NUL byte")
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return Config{}, fmt.Errorf("duckdb: options %q: %w", query, err)
	}
	for k, vs := range vals {
		if !slices.Contains(options, k) {
			return Config{}, fmt.Errorf("duckdb: unknown option %q (known: %s)", k, strings.Join(options, ", "))
		}
		if len(vs) != 1 {
			return Config{}, fmt.Errorf("duckdb: option %s given %d times", k, len(vs))
		}
		v := strings.TrimSpace(vs[0])
		switch k {
		case "threads":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1024 {
				return Config{}, fmt.Errorf("duckdb: threads must be an integer in 1..1024, not %q", v)
			}
			cfg.Threads = n
		case "memory_limit":
			if !memoryLimitRE.MatchString(v) {
				return Config{}, fmt.Errorf("duckdb: memory_limit must be a size such as 4GB or 512MiB, not %q", v)
			}
			cfg.MemoryLimit = v
		}
	}
	return cfg, nil
}

// InMemory reports whether the configuration selects an in-memory database.
func (c Config) InMemory() bool { return c.Path == MemoryPath }

// connectorDSN returns the DSN duckdb-go opens for the database file path:
// the path with the configured options as query parameters.
func (c Config) connectorDSN(path string) string {
	q := url.Values{}
	if c.Threads > 0 {
		q.Set("threads", strconv.Itoa(c.Threads))
	}
	if c.MemoryLimit != "" {
		q.Set("memory_limit", c.MemoryLimit)
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
