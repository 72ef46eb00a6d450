package bleve

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/storefit/storefit/drivers"
)

// Scoring models, the values of Config.Scoring.
const (
	// ScoringBM25 is bleve's BM25 (the default).
	ScoringBM25 = "bm25"
	// ScoringTFIDF is bleve's classic TF-IDF.
	ScoringTFIDF = "tfidf"
)

// Config is a parsed bleve DSN.
type Config struct {
	// Path is the directory holding the indexes, one subdirectory per
	// index. Empty means a fresh temporary directory that Close removes; a
	// given directory is created if missing and kept.
	Path string
	// Scoring is the ranking model: ScoringBM25 or ScoringTFIDF.
	Scoring string
	// UnsafeBatch makes a load batch return as soon as its documents are
	// searchable, before scorch has persisted its segment to disk
	// (scorch's unsafe_batch). By default a batch waits for the segment
	// to be persisted.
	UnsafeBatch bool
}

// configKeys are the DSN query parameters ParseConfig knows.
var configKeys = []string{"scoring", "unsafebatch"}

// ParseConfig parses a bleve DSN:
//
//	""                                 temporary directory, defaults
//	/var/tmp/storefit-bleve            a directory path (no options)
//	bleve:///var/tmp/storefit-bleve?scoring=bm25&unsafebatch=false
//	bleve:data/bleve                   a relative path
//	bleve://?scoring=tfidf             temporary directory, options
//
// Options: scoring (bm25, the default, or tfidf) and unsafebatch (bool,
// default false: a load batch returns once persisted).
func ParseConfig(dsn string) (Config, error) {
	cfg := Config{Scoring: ScoringBM25}
	shown := drivers.RedactDSN(dsn) // errors never show a password
	if !strings.HasPrefix(dsn, "bleve:") {
		if strings.Contains(dsn, "://") {
			return Config{}, fmt.Errorf("bleve DSN %q: want a directory path or bleve:///path", shown)
		}
		cfg.Path = dsn
		return cfg, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold a password
		}
		return Config{}, fmt.Errorf("bleve DSN %q: %w", shown, err)
	}
	switch {
	case u.User != nil || u.Host != "":
		return Config{}, fmt.Errorf("bleve DSN %q: a bleve DSN names a local directory, not a host (use bleve:///absolute/path)", shown)
	case u.Opaque != "":
		cfg.Path = u.Opaque // bleve:relative/path
	default:
		cfg.Path = u.Path
	}
	if u.Fragment != "" {
		return Config{}, fmt.Errorf("bleve DSN %q: unexpected fragment #%s", shown, u.Fragment)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Config{}, fmt.Errorf("bleve DSN %q: %w", shown, err)
	}
	for k, vs := range q {
		if !slices.Contains(configKeys, k) {
			return Config{}, fmt.Errorf("bleve DSN %q: unknown option %q (known: %s)", shown, k, strings.Join(configKeys, ", "))
		}
		if len(vs) != 1 {
			return Config{}, fmt.Errorf("bleve DSN %q: option %s given %d times", shown, k, len(vs))
		}
		v := vs[0]
		switch k {
		case "scoring":
			if v != ScoringBM25 && v != ScoringTFIDF {
				return Config{}, fmt.Errorf("bleve DSN %q: scoring=%q (use bm25 or tfidf)", shown, v)
			}
			cfg.Scoring = v
		case "unsafebatch":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return Config{}, fmt.Errorf("bleve DSN %q: unsafebatch=%q is not a boolean", shown, v)
			}
			cfg.UnsafeBatch = b
		}
	}
	return cfg, nil
}

// String returns the settings as a DSN that ParseConfig reads back.
func (c Config) String() string {
	prefix := "bleve://" + c.Path // empty or absolute: bleve:///abs
	if c.Path != "" && !strings.HasPrefix(c.Path, "/") {
		prefix = "bleve:" + c.Path
	}
	return fmt.Sprintf("%s?scoring=%s&unsafebatch=%t", prefix, c.Scoring, c.UnsafeBatch)
}
