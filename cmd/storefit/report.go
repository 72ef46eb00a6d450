package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/results/report"
	"github.com/storefit/storefit/workloads"
)

// pickFlags are the ranking-rule flags shared by report and pick.
type pickFlags struct {
	slos    []string
	floor   time.Duration
	exclude []string
	// includeOracle ranks the memory oracle too.
	includeOracle bool
	within        float64
	maxErrors     string
	// scale and size choose the cells of a sweep to rank.
	scale, size string
	by          string
}

func (f *pickFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.slos, "slo", nil, "latency objective [SCOPE:]pXX=DURATION,… (repeatable): p99=10ms for everything, agg:p99=500ms for a pattern, graph.fof:p99=20ms for one operation kind; over the result's and the default objectives (docs/verdicts.md); none ranks by the relative score")
	fl.DurationVar(&f.floor, "floor", 10*time.Millisecond, "constant of the relative score (floor+t)/(floor+t_best) used with --slo none")
	fl.StringSliceVar(&f.exclude, "exclude", nil, "stores to leave out of the ranking (comma-separated or repeated)")
	fl.BoolVar(&f.includeOracle, "include-oracle", false, "rank the reference oracle (memory) like any store")
	fl.Float64Var(&f.within, "within", 1.5, "slowdown the verdict counts as close to the best store")
	fl.StringVar(&f.by, "by", results.ByThroughput, "what the objectives rule ranks by: throughput, or ops-per-core (operations per second per core of the server, measured when run knew its pid)")
	fl.StringVar(&f.maxErrors, "max-error-rate", "0.1%", "share of failed (or, under open loop, dropped) operations above which a store is not ranked")
	fl.StringVar(&f.scale, "scale", "", "rank the cells of this scale of a sweep (default: the largest measured)")
	fl.StringVar(&f.size, "size", "", "rank each pattern at the smallest measured data size of at least this many records (10M, 2.5e6)")
}

// checkScale checks --scale against the results: a scale none of their
// cells ran at is bad input.
func checkScale(rs []*results.Result, o results.PickOptions) error {
	if err := results.CheckScale(rs, o.Scale); err != nil {
		return usagef("--scale: %v", err)
	}
	return nil
}

// parseSize parses a count such as 10M, 2.5k, 1e7 or 5000000.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mul := 1.0
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'k', 'K':
			mul, t = 1e3, t[:n-1]
		case 'm', 'M':
			mul, t = 1e6, t[:n-1]
		case 'g', 'G':
			mul, t = 1e9, t[:n-1]
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || !(v*mul >= 1) || v*mul > 1e15 {
		return 0, fmt.Errorf("%q: give a number of records such as 10M, 2.5k or 1e7", s)
	}
	return int64(math.Round(v * mul)), nil
}

func (f *pickFlags) options() (results.PickOptions, error) {
	o := results.PickOptions{Floor: f.floor, Exclude: f.exclude, IncludeOracle: f.includeOracle, Within: f.within}
	for _, s := range f.slos {
		if strings.TrimSpace(s) == "none" {
			o.Score = true
			continue
		}
		obj, err := results.ParseObjective(s)
		if err != nil {
			return results.PickOptions{}, usagef("--slo: %v", err)
		}
		o.Objectives = append(o.Objectives, obj)
	}
	if o.Score && len(o.Objectives) > 0 {
		return results.PickOptions{}, usagef("--slo none ranks by the relative score: give it alone")
	}
	switch f.by {
	case results.ByThroughput, results.ByOpsPerCore:
		o.By = f.by
	default:
		return results.PickOptions{}, usagef("--by %q: use throughput or ops-per-core", f.by)
	}
	if o.Score && o.By == results.ByOpsPerCore {
		return results.PickOptions{}, usagef("--by ops-per-core ranks under latency objectives: leave out --slo none")
	}
	if f.floor <= 0 {
		return results.PickOptions{}, usagef("--floor must be positive")
	}
	rate, err := parsePercent(f.maxErrors)
	if err != nil || rate > 1 {
		return results.PickOptions{}, usagef("--max-error-rate %q: give a percentage such as 0.1%%", f.maxErrors)
	}
	o.MaxErrorRate = rate
	if rate == 0 {
		o.MaxErrorRate = -1 // none allowed
	}
	if f.scale != "" && f.size != "" {
		return results.PickOptions{}, usagef("give --scale or --size, not both")
	}
	if f.scale != "" {
		sc, err := workloads.ParseScale(f.scale)
		if err != nil {
			return results.PickOptions{}, usagef("--scale: %v", err)
		}
		o.Scale = string(sc)
	}
	if f.size != "" {
		n, err := parseSize(f.size)
		if err != nil {
			return results.PickOptions{}, usagef("--size %v", err)
		}
		o.Size = n
	}
	return o, nil
}

// readResults reads result files; a missing or malformed file is bad input.
func readResults(paths []string) ([]*results.Result, error) {
	var rs []*results.Result
	for _, p := range paths {
		r, err := results.ReadFile(p)
		if err != nil {
			return nil, usageError{err}
		}
		rs = append(rs, r)
	}
	return rs, nil
}

func newReportCmd() *cobra.Command {
	var (
		format, out, plots string
		plotFormats        []string
		labels             []string
		merge              bool
		pf                 pickFlags
	)
	cmd := &cobra.Command{
		Use:   "report RESULT.json...",
		Short: "Render a report (HTML with plots, Markdown or text) from result files",
		Long: `Report renders result files written by 'storefit run' without re-running
anything. Several files are shown side by side: each file is a series of
its own, labelled with its file name (or --label, once per file, in order),
every table and plot shows the same cell of each file next to the others,
and a comparison table gives each workload and store's throughput and p99
per file with the ratio to the first file. --merge instead treats the files
as repetitions of the same cells (e.g. runs of one plan on several days).

Formats: html — one self-contained file, every plot embedded as SVG, no
network fetches, opens offline; markdown; text. Without --format the format
follows the -o file's extension (.html, .md, else text); without -o the
text report goes to standard output.

--plots DIR also writes every figure as its own file (--plot-format svg,png)
for slides and papers. The recommendation section ranks stores per pattern by
the rule of 'storefit pick' (see --slo).`,
		Example: `  storefit report results/2026-11-25T16-00-00.json -o report.html
  storefit report --format markdown results/*.json -o report.md
  storefit report before.json after.json -o compare.html
  storefit report --label pg15 --label pg17 a.json b.json
  storefit report --merge day1.json day2.json day3.json
  storefit report results/run.json --plots figures --plot-format svg,png
  storefit report --format text results/run.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			po, err := pf.options()
			if err != nil {
				return err
			}
			if format == "" {
				switch strings.ToLower(filepath.Ext(out)) {
				case ".html", ".htm":
					format = "html"
				case ".md", ".markdown":
					format = "markdown"
				default:
					format = "text"
				}
			}
			if !slices.Contains([]string{"html", "markdown", "md", "text"}, format) {
				return usagef("--format %q: use html, markdown or text", format)
			}
			for _, f := range plotFormats {
				if f != "svg" && f != "png" {
					return usagef("--plot-format %q: use svg, png or both", f)
				}
			}
			rs, err := readResults(args)
			if err != nil {
				return err
			}
			if err := labelResults(rs, args, labels, merge); err != nil {
				return err
			}
			if err := checkScale(rs, po); err != nil {
				return err
			}
			if plots != "" {
				files, err := report.WritePlots(plots, rs, report.Options{Pick: po}, plotFormats)
				if err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "%s written to %s\n", results.Plural(len(files), "figure"), plots)
			}
			if format == "html" {
				if out == "" || out == "-" {
					return report.WriteHTML(os.Stdout, rs, report.Options{Pick: po, Sources: args, Generated: time.Now()})
				}
				if err := report.WriteHTMLFile(out, rs, report.Options{Pick: po, Sources: args, Generated: time.Now()}); err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "report written to %s\n", out)
				return nil
			}
			render := func(w io.Writer) error {
				if format == "text" {
					return results.WriteTextReport(w, rs, po)
				}
				return results.WriteMarkdown(w, rs, po)
			}
			return writeOutput(out, render)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&format, "format", "f", "", "output format: html, markdown or text (default: from -o's extension, else text)")
	fl.StringVarP(&out, "out", "o", "", "output file (default: standard output)")
	fl.StringVar(&plots, "plots", "", "also write every figure as its own file into this directory")
	fl.StringSliceVar(&plotFormats, "plot-format", []string{"svg"}, "formats of --plots: svg, png or both")
	fl.StringArrayVar(&labels, "label", nil, "label of the next result file's series (repeat once per file; default: the file name)")
	fl.BoolVar(&merge, "merge", false, "treat the files as repetitions of the same cells instead of series side by side")
	pf.register(cmd)
	return cmd
}

// labelResults labels the results of several files as series side by side:
// each by its --label, else by its file name without .json (with its
// directory when two files share a name). With merge, or one file, nothing
// is labelled.
func labelResults(rs []*results.Result, paths, labels []string, merge bool) error {
	switch {
	case merge && len(labels) > 0:
		return usagef("--label names series side by side; --merge makes the files one series")
	case len(labels) > 0 && len(labels) != len(paths):
		return usagef("%s for %s: give one --label per file, in order", results.Plural(len(labels), "label"), results.Plural(len(paths), "file"))
	case merge || len(paths) < 2:
		return nil
	}
	if len(labels) == 0 {
		labels = fileLabels(paths)
	}
	seen := map[string]bool{}
	for i, l := range labels {
		if l == "" || seen[l] {
			return usagef("--label %q: labels must be distinct and not empty", l)
		}
		seen[l] = true
		rs[i].Label = l
	}
	return nil
}

// fileLabels names files by their base name without .json, adding the
// parent directory, then the position, where names collide.
func fileLabels(paths []string) []string {
	name := func(p string, dir bool) string {
		b := strings.TrimSuffix(filepath.Base(p), ".json")
		if dir {
			b = filepath.Join(filepath.Base(filepath.Dir(p)), b)
		}
		return b
	}
	count := func(dir bool) map[string]int {
		n := map[string]int{}
		for _, p := range paths {
			n[name(p, dir)]++
		}
		return n
	}
	short, long := count(false), count(true)
	out := make([]string, len(paths))
	for i, p := range paths {
		switch {
		case short[name(p, false)] == 1:
			out[i] = name(p, false)
		case long[name(p, true)] == 1:
			out[i] = name(p, true)
		default:
			out[i] = fmt.Sprintf("%s #%d", name(p, true), i+1)
		}
	}
	return out
}

// writeOutput runs render into path (atomically) or, for "" or "-", to
// standard output.
func writeOutput(path string, render func(io.Writer) error) error {
	if path == "" || path == "-" {
		return render(os.Stdout)
	}
	var b strings.Builder
	if err := render(&b); err != nil {
		return err
	}
	if err := results.WriteFileAtomic(path, []byte(b.String())); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "written to %s\n", path)
	return nil
}
