package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
)

func newGenCmd() *cobra.Command {
	var (
		workload, scale, format, out string
		seed                         uint64
		sets                         []string
		queries                      bool
	)
	cmd := &cobra.Command{
		Use:   "gen",
		Short: "Write a workload's data set (CSV or JSON Lines) and its validation queries",
		Long: `Gen writes the data set a workload loads — the same bytes every run with the same
seed, scale and options — as one file per table, so it can be loaded and checked
with other tools. With --queries it also writes queries.json: the validation
queries with their expected answers.

--workload takes a workload name or a bare pattern (agg = its first variant;
all variants of a pattern share the data set).`,
		Example: `  storefit gen --workload agg --scale quick --format csv --out data/agg
  storefit gen --workload point/a --set records=1000 --format jsonl --out data/point --queries`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("--out DIR is required")
			}
			if format != "csv" && format != "jsonl" {
				return usagef("--format %q: use csv or jsonl", format)
			}
			sc, err := workloads.ParseScale(scale)
			if err != nil {
				return usageError{err}
			}
			name, err := resolveWorkload(workload)
			if err != nil {
				return usageError{err}
			}
			opts := map[string]any{}
			for _, kv := range sets {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return usagef("--set %q: use NAME=VALUE", kv)
				}
				opts[k] = v
			}
			w, err := workloads.New(name, workloads.Params{Seed: seed, Scale: sc, Options: opts})
			if err != nil {
				return usageError{err}
			}
			ex, ok := w.(workloads.Exporter)
			if !ok {
				return usagef("workload %s cannot export its data", name)
			}
			t0 := time.Now()
			rows, err := exportData(cmd.Context(), ex, out, format)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "wrote %s rows of %s (seed %d, scale %s) to %s in %.1f s\n",
				results.FormatCount(rows), name, seed, sc, out, time.Since(t0).Seconds())
			if queries {
				qs, ok := w.(workloads.QuerySet)
				if !ok {
					return usagef("workload %s has no query set", name)
				}
				q, err := qs.Queries(cmd.Context())
				if err != nil {
					return fmt.Errorf("queries: %w", err)
				}
				data, err := json.MarshalIndent(q, "", "  ")
				if err != nil {
					return fmt.Errorf("queries: %w", err)
				}
				path := filepath.Join(out, "queries.json")
				if err := results.WriteFileAtomic(path, append(data, '\n')); err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "wrote %s with expected answers to %s\n", results.Plural(len(q), "query"), path)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&workload, "workload", "w", "", "workload or pattern whose data to write")
	fl.StringVar(&scale, "scale", "quick", "data scale: quick or full")
	fl.Uint64Var(&seed, "seed", 1, "seed of the data")
	fl.StringVar(&format, "format", "csv", "file format: csv or jsonl")
	fl.StringVarP(&out, "out", "o", "", "output directory (one file per table)")
	fl.StringArrayVar(&sets, "set", nil, "workload option NAME=VALUE (repeatable)")
	fl.BoolVar(&queries, "queries", false, "also write queries.json with the validation queries and answers")
	return cmd
}

// resolveWorkload accepts a workload name or a bare pattern name.
func resolveWorkload(name string) (string, error) {
	if name == "" {
		return "", errors.New("--workload is required (see 'storefit list')")
	}
	if _, err := workloads.Lookup(name); err == nil {
		return name, nil
	}
	var first string
	for _, e := range workloads.Entries() {
		if e.Pattern() == name {
			if strings.HasSuffix(e.Name, "/mix") {
				return e.Name, nil
			}
			if first == "" {
				first = e.Name
			}
		}
	}
	if first != "" {
		return first, nil
	}
	_, err := workloads.Lookup(name)
	return "", err
}

// tableWriter streams one table's rows to a temporary file renamed into
// place when complete.
type tableWriter struct {
	f    *os.File
	path string
	buf  *bufio.Writer
	csv  *csv.Writer
	cols []string
	rec  []string
	obj  map[string]any
	enc  *json.Encoder
}

func exportData(ctx context.Context, ex workloads.Exporter, dir, format string) (int64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	writers := map[string]*tableWriter{}
	defer func() { // on failure, leave no partial files
		for _, tw := range writers {
			if tw.f != nil {
				tw.f.Close()
				os.Remove(tw.f.Name())
			}
		}
	}()
	for _, t := range ex.Tables() {
		path := filepath.Join(dir, t.Name+"."+format)
		f, err := os.CreateTemp(dir, "."+t.Name+".tmp*")
		if err != nil {
			return 0, err
		}
		tw := &tableWriter{f: f, path: path, buf: bufio.NewWriterSize(f, 1<<20), cols: t.Columns}
		if format == "csv" {
			tw.csv = csv.NewWriter(tw.buf)
			tw.rec = make([]string, len(t.Columns))
			if err := tw.csv.Write(t.Columns); err != nil {
				return 0, err
			}
		} else {
			tw.enc = json.NewEncoder(tw.buf)
			tw.obj = make(map[string]any, len(t.Columns))
		}
		writers[t.Name] = tw
	}
	var rows int64
	err := ex.Export(ctx, 0, 1, func(table string, row []any) error {
		tw := writers[table]
		if tw == nil {
			return fmt.Errorf("export: row for undeclared table %q", table)
		}
		if len(row) != len(tw.cols) {
			return fmt.Errorf("export: %s row has %d values for %d columns", table, len(row), len(tw.cols))
		}
		rows++
		if tw.csv != nil {
			for i, v := range row {
				tw.rec[i] = formatValue(v)
			}
			return tw.csv.Write(tw.rec)
		}
		for i, v := range row {
			if t, ok := v.(time.Time); ok {
				v = t.UTC().Format(time.RFC3339Nano)
			} else if b, ok := v.([]byte); ok {
				v = string(b)
			}
			tw.obj[tw.cols[i]] = v
		}
		return tw.enc.Encode(tw.obj)
	})
	if err != nil {
		return rows, fmt.Errorf("export: %w", err)
	}
	for name, tw := range writers {
		if tw.csv != nil {
			tw.csv.Flush()
			if err := tw.csv.Error(); err != nil {
				return rows, err
			}
		}
		if err := tw.buf.Flush(); err != nil {
			return rows, fmt.Errorf("write %s: %w", tw.path, err)
		}
		if err := tw.f.Chmod(0o644); err != nil {
			return rows, err
		}
		if err := tw.f.Close(); err != nil {
			return rows, fmt.Errorf("write %s: %w", tw.path, err)
		}
		if err := os.Rename(tw.f.Name(), tw.path); err != nil {
			return rows, err
		}
		tw.f = nil
		delete(writers, name)
	}
	return rows, nil
}

// formatValue renders a value for CSV: integers and floats exactly
// (round-trip), times as RFC 3339 UTC with nanoseconds, nil as empty.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}
