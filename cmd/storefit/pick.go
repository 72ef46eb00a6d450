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
		Long: `Pick ranks the stores of the result files for each access pattern and answers
"one DB to rule them all?".

The rule (default): the highest throughput among the stores whose latency
meets --slo (p99 at most 10 ms) on every workload of the pattern, relative to
the best on each workload and combined over the pattern's workloads by
geometric mean. With --slo none: the ClickBench-style relative score,
(floor + t) / (floor + t_best) with t the mean latency of each operation,
combined by geometric mean over the pattern's operations. A store whose
answers failed validation is never ranked, nor one that keeps no data (noop).

The verdict: for each store ranked on every pattern, its geometric-mean
slowdown against the best store per pattern; and the best combinations of
1, 2 and 3 stores.`,
		Example: `  storefit pick results/run.json
  storefit pick --slo p99=5ms results/a.json results/b.json
  storefit pick --slo none --exclude memory results/run.json`,
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
