package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/storefit/storefit/results"
)

// parsePercent parses "5%", "5" (percent) or "0.05%".
func parsePercent(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a percentage (use e.g. 5%%)", s)
	}
	return v / 100, nil
}

func newCompareCmd() *cobra.Command {
	var (
		failOn string
		alpha  float64
	)
	cmd := &cobra.Command{
		Use:   "compare OLD.json NEW.json",
		Short: "Compare two results, benchstat-style, with a significance test",
		Long: `Compare prints, for throughput, p50 and p99 of every workload and store of
two results, the old and new medians with their 95% confidence intervals and
the change with the p-value of a Mann-Whitney U-test (golang.org/x/perf's
benchmath, as benchstat). Where the test finds no difference it says "~ no
significant change".

The samples are the repetitions when both results have at least two (run
with --repeat 5 or more for a decision); otherwise the one-second intervals
of the measured phase, whose p-values are optimistic.

--fail-on-regression 5% makes the exit status 1 when any throughput drop or
latency rise is significant and larger than 5%, for CI.`,
		Example: `  storefit compare results/main.json results/branch.json
  storefit compare --fail-on-regression 5% base.json new.json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := results.CompareOptions{Alpha: alpha}
			if failOn != "" {
				t, err := parsePercent(failOn)
				if err != nil {
					return usagef("--fail-on-regression: %v", err)
				}
				o.Threshold = t
			}
			if alpha <= 0 || alpha >= 1 {
				return usagef("--alpha must be between 0 and 1")
			}
			rs, err := readResults(args)
			if err != nil {
				return err
			}
			c := results.Compare(args[0], rs[:1], args[1], rs[1:], o)
			if err := c.WriteText(os.Stdout); err != nil {
				return err
			}
			if failOn != "" {
				if regs := c.Regressions(); len(regs) > 0 {
					return fmt.Errorf("%d significant regression(s) beyond %s", len(regs), failOn)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&failOn, "fail-on-regression", "", "exit with status 1 on a significant regression larger than this, e.g. 5%")
	cmd.Flags().Float64Var(&alpha, "alpha", 0.05, "significance level of the test")
	return cmd
}
