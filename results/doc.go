// Package results defines storefit's result document — one versioned JSON
// file per run — and everything derived from it afterwards, from result
// files alone, so nothing needs re-running:
//
//   - reading and writing (atomically): ReadFile, WriteFile;
//   - reports: WriteText, WriteTextReport and WriteMarkdown here, the HTML
//     report with plots in package results/report;
//   - the recommendation: Pick ranks stores per access pattern and answers
//     "one DB to rule them all?" (Verdict);
//   - Compare, a benchstat-style comparison of two results with a
//     significance test over repetitions;
//   - Merge, which combines the results of the shards of one plan by adding
//     their histograms exactly;
//   - exports: WriteCSV, WriteBenchfmt (for benchstat), WriteHdrLog
//     (HdrHistogram's interval log), WriteIntervalsJSONL;
//   - the harness self-check: Cell.HarnessNotes says when the load
//     generator, not the store, was the limit.
//
// Latencies are recorded in nanoseconds in HdrHistograms (3 significant
// digits) and reported in microseconds. Every op kind keeps its encoded
// histogram (HdrHistogram V2 compressed, base64), so results of shards can be
// merged exactly and any percentile recomputed later.
package results
