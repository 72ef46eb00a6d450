package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/storefit/storefit/results"
)

func newPickCmd() *cobra.Command {
	var (
		pf     pickFlags
		format string
		out    string
	)
	cmd := &cobra.Command{
		Use:   "pick RESULT.json...",
		Short: "Recommend a store per pattern, and say whether one store is enough",
		Long: `Pick ranks the stores of the result files for each access pattern, says
why each pattern's store was chosen, and answers "one DB to rule them all?".

Only checked answers are ranked: a store is ranked on a pattern only if its
validation passed with at least one check on every workload (a failed or
skipped validation never ranks: "unvalidated — not ranked"), at most
--max-error-rate (0.1%) of its operations failed and, under open loop, at
most that share of its scheduled operations were dropped. Stores that keep
no data (noop) are never ranked; the reference oracle (memory) is shown as
the reference.

The rule (default): the highest throughput among the stores whose every
operation kind meets its latency objective on every workload of the pattern,
relative to the best on each workload and combined by geometric mean.
Latencies count failed operations at their time to failure and dropped
open-loop operations from their intended start (wrk2's rule). The
objectives are per pattern and operation kind — by default p99 ≤ 10 ms for
point, crud and wide, 50 ms for graph, 100 ms for search, 1 s for agg and
series, with tighter or looser bounds for a few kinds (docs/verdicts.md) — and
a suite's slo: section, recorded in the result, and --slo override them:
--slo p99=10ms holds every kind to one bound, --slo agg:p99=500ms one
pattern, --slo graph.fof:p99=20ms one kind. When no store meets the
objective, pick says which came closest and by how much. With --slo none:
the ClickBench-style relative score, (floor + t) / (floor + t_best) with t
the mean latency of each operation, combined by geometric mean.

--by ops-per-core ranks, under the same objectives, by operations per second
per core the store's server kept busy instead of by raw throughput: the store
that does most with a core. It needs the server's CPU time, which run records
when it knows the server's process (run --server-pid, or servers started by
storefit up); stores without it are not ranked.

The verdict: for each store ranked on every pattern, its geometric-mean
slowdown against the best store per pattern; and the best combinations of
1, 2 and 3 stores, counting every pattern measured.

A sweep (cells at several scales) is ranked at one data size: --scale picks
a scale, --size a number of records (each pattern at the smallest size
measured that holds at least that many, or the largest with a caution); by
default the largest scale measured.`,
		Example: `  storefit pick results/run.json
  storefit pick --slo p99=5ms results/a.json results/b.json
  storefit pick --slo agg:p99=500ms --slo graph.fof:p99=20ms --max-error-rate 1% results/run.json
  storefit pick --slo none --exclude memory results/run.json
  storefit pick --size 10M results/sweep.json
  storefit pick --by ops-per-core results/run.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			po, err := pf.options()
			if err != nil {
				return err
			}
			if format != "text" && format != "markdown" {
				return usagef("--format %q: use text or markdown", format)
			}
			rs, err := readResults(args)
			if err != nil {
				return err
			}
			if err := checkScale(rs, po); err != nil {
				return err
			}
			rec := results.Pick(rs, po)
			return writeOutput(out, func(w io.Writer) error {
				if format == "markdown" {
					return results.WritePickMarkdown(w, rec)
				}
				return results.WritePickText(w, rec)
			})
		},
	}
	pf.register(cmd)
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text or markdown")
	cmd.Flags().StringVarP(&out, "out", "o", "", "output file (default: standard output)")
	return cmd
}
