package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
)

func newListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List workloads, stores, and which store supports which pattern",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "WORKLOAD\tSUMMARY")
			for _, e := range workloads.Entries() {
				fmt.Fprintf(tw, "%s\t%s\n", e.Name, e.Summary)
			}
			fmt.Fprintln(tw)
			fmt.Fprintln(tw, "STORE\tKIND\tDSN\tSUMMARY")
			for _, n := range drivers.Names() {
				info, _ := drivers.Describe(n)
				kind := "server"
				switch {
				case info.Embedded:
					kind = "embedded"
				case info.Composite:
					kind = "composite"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n, kind, info.DSNExample, info.Summary)
			}
			fmt.Fprintln(tw)
			pats := workloads.Patterns()
			fmt.Fprintf(tw, "SUPPORT\t%s\n", strings.Join(pats, "\t"))
			for _, n := range drivers.Names() {
				info, _ := drivers.Describe(n)
				row := []string{n}
				for _, p := range pats {
					mark := "n/a"
					if info.Conn != nil && workloads.Supports(info.Conn, p) {
						mark = "yes"
					}
					row = append(row, mark)
				}
				fmt.Fprintln(tw, strings.Join(row, "\t"))
			}
			return tw.Flush()
		},
	}
}
