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
		failOn     string
		alpha      float64
		confidence float64
		strict     bool
		kinds      bool
		metrics    []string
		maxErrors  string
	)
	cmd := &cobra.Command{
		Use:   "compare OLD.json NEW.json",
		Short: "Compare two results, benchstat-style, with a significance test",
		Long: `Compare prints, for throughput and latency percentiles of every workload
and store of two results, the old and new medians with their confidence
intervals (--confidence, 95% by default) and the change with the p-value of a
Mann-Whitney U-test (golang.org/x/perf's benchmath, as benchstat), and a
geomean row. Where the test finds no difference it says "~ no significant
change". --metrics chooses the figures (ops/s, p50, p90, p95, p99, p99.9,
max; default ops/s,p50,p99); --kinds adds a row per operation kind.

The samples are the repetitions when both results have at least two (run
with --repeat 5 or more for a decision); otherwise the one-second intervals
of the measured phase, whose p-values are optimistic.

First it checks that both sides ran the same plan — the workloads' settings,
seed and scale, workers, rate, duration, timeout, the store's version, the
machine — and prints every difference; --strict refuses to compare then
(exit status 2). Two results with no workload and store in common are an
error (exit status 2).

A contender the old side measured that the new side lost — missing, n/a,
failed, with failed or unvalidated answers, or with more than
--max-error-rate of its operations failed or dropped — is a regression.

--fail-on-regression 5% makes the exit status 1 when the new side lost a
contender or any throughput drop or latency rise is significant and larger
than 5%, for CI.`,
		Example: `  storefit compare results/main.json results/branch.json
  storefit compare --fail-on-regression 5% base.json new.json
  storefit compare --strict --kinds --metrics ops/s,p99,p99.9,max base.json new.json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := results.CompareOptions{Alpha: alpha, Confidence: confidence, Kinds: kinds, Metrics: metrics}
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
			if confidence <= 0 || confidence >= 1 {
				return usagef("--confidence must be between 0 and 1, e.g. 0.95")
			}
			rate, err := parsePercent(maxErrors)
			if err != nil || rate > 1 {
				return usagef("--max-error-rate %q: give a percentage such as 0.1%%", maxErrors)
			}
			o.MaxErrorRate = rate
			if rate == 0 {
				o.MaxErrorRate = -1 // none allowed
			}
			rs, err := readResults(args)
			if err != nil {
				return err
			}
			c, err := results.Compare(args[0], rs[:1], args[1], rs[1:], o)
			if err != nil {
				return usageError{err}
			}
			if strict && len(c.Differences) > 0 {
				return usagef("--strict: the two results did not run the same plan: %s", strings.Join(c.Differences, "; "))
			}
			if err := c.WriteText(os.Stdout); err != nil {
				return err
			}
			if failOn != "" && c.Failed() {
				return fmt.Errorf("%d significant regression(s) beyond %s, %d contender(s) lost on the new side", len(c.Regressions()), failOn, len(c.Lost))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&failOn, "fail-on-regression", "", "exit with status 1 on a lost contender or a significant regression larger than this, e.g. 5%")
	fl.Float64Var(&alpha, "alpha", 0.05, "significance level of the test")
	fl.Float64Var(&confidence, "confidence", 0.95, "confidence level of the intervals around the medians")
	fl.BoolVar(&strict, "strict", false, "refuse to compare results that did not run the same plan")
	fl.BoolVar(&kinds, "kinds", false, "add a row per operation kind")
	fl.StringSliceVar(&metrics, "metrics", nil, "figures to compare: ops/s, p50, p90, p95, p99, p99.9, max (default ops/s,p50,p99)")
	fl.StringVar(&maxErrors, "max-error-rate", "0.1%", "share of failed or dropped operations above which a contender of the new side counts as lost")
	return cmd
}
