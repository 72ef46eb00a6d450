package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/storefit/storefit/results"
)

func newExportCmd() *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "export --format FORMAT RESULT.json...",
		Short: "Export results as CSV, Go benchmark format, HdrHistogram logs or JSON Lines",
		Long: `Export converts result files for other tools:

  csv       one row per cell and operation kind (latencies in µs)
  benchfmt  Go benchmark format, one line per repetition and kind, so
            benchstat reads it ("benchstat -col /store export.txt")
  hdrlog    one HdrHistogram interval log per cell (the one-second
            intervals, latency in ns), readable by HdrHistogram's own tools;
            -o names a directory
  jsonl     JSON Lines, one object per one-second interval of every cell

Without -o, csv, benchfmt and jsonl go to standard output.`,
		Example: `  storefit export --format csv results/run.json -o run.csv
  storefit export --format benchfmt old.json > old.txt && benchstat old.txt
  storefit export --format hdrlog results/run.json -o hlogs/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var write func(io.Writer, []*results.Result) error
			switch format {
			case "csv":
				write = results.WriteCSV
			case "benchfmt":
				write = results.WriteBenchfmt
			case "jsonl":
				write = results.WriteIntervalsJSONL
			case "hdrlog":
			default:
				return usagef("--format %q: use csv, benchfmt, hdrlog or jsonl", format)
			}
			rs, err := readResults(args)
			if err != nil {
				return err
			}
			if write != nil {
				return writeOutput(out, func(w io.Writer) error { return write(w, rs) })
			}
			if out == "" {
				return usagef("--format hdrlog writes one file per cell: give a directory with -o DIR")
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			n := 0
			seen := map[string]int{}
			for ri, r := range rs {
				for i := range r.Cells {
					c := &r.Cells[i]
					if c.Run == nil {
						continue
					}
					name := c.FileName()
					if seen[name]++; seen[name] > 1 || len(rs) > 1 {
						name = fmt.Sprintf("%d_%s", ri+1, name)
					}
					var b bytes.Buffer
					if err := results.WriteHdrLog(&b, c); err != nil {
						return err
					}
					if err := results.WriteFileAtomic(filepath.Join(out, name+".hlog"), b.Bytes()); err != nil {
						return err
					}
					n++
				}
			}
			fmt.Fprintf(os.Stderr, "%d interval logs written to %s\n", n, out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "csv, benchfmt, hdrlog or jsonl")
	cmd.Flags().StringVarP(&out, "out", "o", "", "output file (directory for hdrlog)")
	_ = cmd.MarkFlagRequired("format")
	return cmd
}
