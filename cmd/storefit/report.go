package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/results/report"
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
}

func (f *pickFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.slos, "slo", nil, "latency objective [SCOPE:]pXX=DURATION,… (repeatable): p99=10ms for everything, agg:p99=500ms for a pattern, graph.fof:p99=20ms for one operation kind; over the result's and the default objectives (docs/verdicts.md); none ranks by the relative score")
	fl.DurationVar(&f.floor, "floor", 10*time.Millisecond, "constant of the relative score (floor+t)/(floor+t_best) used with --slo none")
	fl.StringSliceVar(&f.exclude, "exclude", nil, "stores to leave out of the ranking (comma-separated or repeated)")
	fl.BoolVar(&f.includeOracle, "include-oracle", false, "rank the reference oracle (memory) like any store")
	fl.Float64Var(&f.within, "within", 1.5, "slowdown the verdict counts as close to the best store")
	fl.StringVar(&f.maxErrors, "max-error-rate", "0.1%", "share of failed (or, under open loop, dropped) operations above which a store is not ranked")
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
