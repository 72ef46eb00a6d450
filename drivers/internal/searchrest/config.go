package searchrest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/storefit/storefit/drivers"
)

// Analyzer names the analyzer body is indexed with.
type Analyzer string

// The analyzers.
const (
	// AnalyzerPattern is the contract exactly: a pattern tokenizer that
	// splits on ContractPattern and the lowercase filter. Both live in
	// the analysis-common module, which every distribution has.
	AnalyzerPattern Analyzer = "pattern"
	// AnalyzerStandard is the built-in standard analyzer without stop
	// words: Unicode word breaks (UAX #29) and lowercase. It needs no
	// module, and equals the contract on storefit's generated corpus
	// (ASCII words joined by spaces, hyphens and punctuation), not on
	// every text: it keeps "e.g" and "3.14" whole.
	AnalyzerStandard Analyzer = "standard"
)

// Options are the DSN options shared by the elastic and opensearch drivers.
type Options struct {
	// Prefix is put before every index name (default "storefit_"), so
	// that Setup, which drops the index, never touches an index storefit
	// did not make.
	Prefix string
	// Shards and Replicas of each index (default 1 and 0): one shard
	// keeps the BM25 statistics of the whole index together (with more,
	// each shard scores with its own).
	Shards, Replicas int
	// Cache leaves the shard request cache and the node query cache on
	// (default false: every query is executed, as in the other stores).
	Cache bool
	// TieBreak says when hits of equal score are ordered by ascending id,
	// as the reference ranking does: TieBreakValidation (the default:
	// only for the queries that ask, search.ExactTies — validation's),
	// TieBreakAlways or TieBreakNever.
	TieBreak string
	// ForceMerge merges each index to one segment when loading finishes
	// (default true).
	ForceMerge bool
	// Analyzer is the analyzer of body (default AnalyzerPattern).
	Analyzer Analyzer
	// Timeout bounds connecting and each request that has no deadline of
	// its own (default 30 s).
	Timeout time.Duration
	// Insecure skips the verification of the server's TLS certificate
	// (https only; default false).
	Insecure bool
	// Conn holds the connection option conns: shared (the default: one
	// HTTP client whose idle connections the workers share) or worker (an
	// HTTP client per worker, with one connection).
	Conn drivers.ConnOptions
}

// When hits of equal score are ordered by id (Options.TieBreak).
const (
	TieBreakValidation = "validation"
	TieBreakAlways     = "always"
	TieBreakNever      = "never"
)

// Config is a parsed DSN.
type Config struct {
	// URL is the server's address: scheme, host and port, without user
	// information, path or options (e.g. http://127.0.0.1:9200).
	URL string
	// Username and Password authenticate with HTTP basic authentication;
	// empty: none.
	Username, Password string
	Options
}

// Addr returns the address in errors: the URL without credentials.
func (c Config) Addr() string { return c.URL }

// optionNames are the DSN options, for the error on an unknown one.
const optionNames = "prefix, shards, replicas, cache, tiebreak, forcemerge, analyzer, timeout, insecure, conns"

// ParseDSN parses a DSN of the form
//
//	http[s]://[user:password@]host[:port][?option=value&…]
//
// for store (the driver's name, in errors); an empty dsn is defaultDSN.
// The port defaults to 9200. Options are those of Options. Errors never
// include the password.
func ParseDSN(store, dsn, defaultDSN string) (Config, error) {
	cfg, err := parseDSN(store, dsn, defaultDSN)
	if err != nil {
		// A password with an unencoded '/' ends up in the URL's path,
		// which an error may quote: scrub it.
		return cfg, errors.New(drivers.NewRedactor(dsn).Redact(err.Error()))
	}
	return cfg, nil
}

func parseDSN(store, dsn, defaultDSN string) (Config, error) {
	cfg := Config{Options: Options{
		Prefix:     "storefit_",
		Shards:     1,
		Replicas:   0,
		TieBreak:   TieBreakValidation,
		ForceMerge: true,
		Analyzer:   AnalyzerPattern,
		Timeout:    30 * time.Second,
	}}
	if dsn == "" {
		dsn = defaultDSN
	}
	form := "http[s]://[user:password@]host:port[?option=value&…], e.g. " + defaultDSN
	safe := drivers.RedactDSN(dsn)
	u, err := url.Parse(dsn)
	if err != nil {
		// url errors quote the input, password included.
		return cfg, fmt.Errorf("%s DSN %q is not a URL; use %s", store, safe, form)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return cfg, fmt.Errorf("%s DSN %q: scheme must be http:// or https://; use %s", store, safe, form)
	}
	if u.Opaque != "" || u.Host == "" {
		return cfg, fmt.Errorf("%s DSN %q: no host; use %s", store, safe, form)
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		return cfg, fmt.Errorf("%s DSN %q: unexpected path %q (indexes are named by the workload; use the prefix option)", store, safe, u.Path)
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return cfg, fmt.Errorf("%s DSN %q: no host; use %s", store, safe, form)
	}
	if port == "" {
		port = "9200"
	} else if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return cfg, fmt.Errorf("%s DSN %q: port %q is not in 1..65535", store, safe, port)
	}
	cfg.URL = u.Scheme + "://" + net.JoinHostPort(host, port)
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return cfg, fmt.Errorf("%s DSN %q: bad query: %v", store, safe, errors.Unwrap(err))
	}
	for k, vs := range q {
		v := vs[len(vs)-1]
		bad := func(want string) error {
			return fmt.Errorf("%s DSN %q: %s=%q: %s", store, safe, k, v, want)
		}
		switch k {
		case "prefix":
			if v != "" && !validIndex.MatchString(v) {
				return cfg, bad("use lowercase letters, digits, '_' and '-', not first '_' or '-'")
			}
			cfg.Prefix = v
		case "shards", "replicas":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || (k == "shards" && n < 1) || n > 1024 {
				return cfg, bad("not a number of " + k)
			}
			if k == "shards" {
				cfg.Shards = n
			} else {
				cfg.Replicas = n
			}
		case "tiebreak":
			switch v {
			case TieBreakValidation, TieBreakAlways, TieBreakNever:
				cfg.TieBreak = v
			default:
				b, err := strconv.ParseBool(v)
				if err != nil {
					return cfg, bad("use validation, always or never")
				}
				cfg.TieBreak = map[bool]string{true: TieBreakAlways, false: TieBreakNever}[b]
			}
		case "cache", "forcemerge", "insecure":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return cfg, bad("use true or false")
			}
			switch k {
			case "cache":
				cfg.Cache = b
			case "forcemerge":
				cfg.ForceMerge = b
			case "insecure":
				cfg.Insecure = b
			}
		case "analyzer":
			switch a := Analyzer(v); a {
			case AnalyzerPattern, AnalyzerStandard:
				cfg.Analyzer = a
			default:
				return cfg, bad("use pattern or standard")
			}
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return cfg, bad("not a positive duration (e.g. 30s)")
			}
			cfg.Timeout = d
		default:
			known, err := cfg.Conn.Set(k, v)
			if err != nil {
				return cfg, fmt.Errorf("%s DSN %q: %v", store, safe, err)
			}
			if !known {
				return cfg, fmt.Errorf("%s DSN %q: unknown option %q (known: %s)", store, safe, k, optionNames)
			}
		}
	}
	if err := cfg.Conn.Check(store, drivers.ConnCaps{}); err != nil {
		return cfg, fmt.Errorf("%s DSN %q: %v", store, safe, err)
	}
	if cfg.Insecure && u.Scheme != "https" {
		return cfg, fmt.Errorf("%s DSN %q: insecure=true needs https://", store, safe)
	}
	return cfg, nil
}

// Settings states the options that change what is measured, for the
// results (drivers.Settingser): the caches and the tie-break.
func (o Options) Settings() map[string]string {
	cache := "off (every query executed)"
	if o.Cache {
		cache = "on (request and query caches)"
	}
	tie := map[string]string{
		TieBreakValidation: "validation queries only (measured queries rank by score alone)",
		TieBreakAlways:     "every query (sort on score, then id, with track_scores)",
		TieBreakNever:      "none (equal scores in index order)",
	}[o.TieBreak]
	return map[string]string{"cache": cache, "tiebreak": tie}
}
