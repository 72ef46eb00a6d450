package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/storefit/storefit/results"
)

func newReportCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "report RESULT.json...",
		Short: "Print a report from result files",
		Long: `Report renders result files written by 'storefit run' without re-running
anything.`,
		Example: `  storefit report results/2026-11-25T16-00-00.json
  storefit report --format text results/*.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" {
				return usagef("--format %q: use text", format)
			}
			for _, path := range args {
				r, err := results.ReadFile(path)
				if err != nil {
					return usageError{err}
				}
				if err := results.WriteText(os.Stdout, r); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text")
	return cmd
}
