package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/storefit/storefit/drivers"
)

// cdcLibraries are the libraries storefit links for change data capture
// (the sync workloads and the twitter scenario's placements), which belong
// to no driver.
var cdcLibraries = []struct{ use, module string }{
	{"PostgreSQL logical replication", "github.com/jackc/pglogrepl"},
	{"Kafka (Debezium change events)", "github.com/twmb/franz-go"},
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the versions of storefit, Go and every bundled store library",
		Long: `Version prints storefit's version and commit, the Go toolchain that built it,
and the version of every store client (or embedded store) library linked into
this binary, from the binary's own build information: what a bug report or a
published result should name.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeVersion(cmd.OutOrStdout())
		},
	}
}

// writeVersion writes the version report.
func writeVersion(w io.Writer) error {
	t := tool()
	commit := ""
	if t.Commit != "" {
		commit = " (commit " + t.Commit + ")"
	}
	fmt.Fprintf(w, "storefit %s%s\n", t.Version, commit)
	fmt.Fprintf(w, "go       %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	mods := linkedModules()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nstores:")
	for _, name := range drivers.Names() {
		info, _ := drivers.Describe(name)
		var libs []string
		for _, m := range info.Libraries {
			if v, ok := mods[m]; ok {
				libs = append(libs, m+" "+v)
			}
		}
		switch {
		case len(libs) > 0:
			fmt.Fprintf(tw, "  %s\t%s\n", name, strings.Join(libs, ", "))
		case len(info.Libraries) > 0:
			fmt.Fprintf(tw, "  %s\tnot in this build\n", name)
		case info.Composite:
			fmt.Fprintf(tw, "  %s\tstorefit's own (opens the stores above)\n", name)
		default:
			fmt.Fprintf(tw, "  %s\tstorefit's own\n", name)
		}
	}
	var cdc []string
	for _, l := range cdcLibraries {
		if v, ok := mods[l.module]; ok {
			cdc = append(cdc, fmt.Sprintf("  %s\t%s %s\n", l.use, l.module, v))
		}
	}
	if len(cdc) > 0 {
		fmt.Fprintln(tw, "\nchange data capture:")
		for _, l := range cdc {
			fmt.Fprint(tw, l)
		}
	}
	return tw.Flush()
}

// linkedModules returns the version of every module linked into this
// binary (a replaced module's replacement version), from its build
// information.
func linkedModules() map[string]string {
	out := map[string]string{}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return out
	}
	for _, d := range bi.Deps {
		v := d.Version
		if d.Replace != nil {
			v = d.Replace.Path + " " + d.Replace.Version
		}
		out[d.Path] = v
	}
	return out
}
