package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/storefit/storefit/results"
)

func newMergeCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge SHARD.json... -o RESULT.json",
		Short: "Merge the results of a sharded run into one result",
		Long: `Merge combines the results of the shards of one plan ('storefit run --shard
i/n' on n machines) into one result, as if one run had used all the shards'
workers: histograms are added exactly, so every percentile is that of all
operations together; counts and rates add up; the merged run records the
common measured window and the spread of the shards' starts; intervals are
aligned by wall-clock second from the earliest shard's measured start
(shards run with one --start-at share it exactly).

It refuses results of different plans (other workloads, stores, settings,
seed or scale), results that are not shards, and missing or repeated shards.`,
		Example: `  storefit merge shard0.json shard1.json shard2.json -o merged.json`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("give the merged result's file with -o RESULT.json")
			}
			rs, err := readResults(args)
			if err != nil {
				return err
			}
			m, err := results.Merge(rs)
			if err != nil {
				return usageError{err}
			}
			if err := results.WriteFile(out, m); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "%s merged into %s\n", results.Plural(len(rs), "shard"), out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "merged result file")
	return cmd
}
