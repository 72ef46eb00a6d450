// Package results defines storefit's result document — one versioned JSON
// file per run — and everything derived from it afterwards: reading and
// writing (atomically), and reports. Reports are rendered from result files
// alone, so they can be re-rendered without re-running.
//
// Latencies are recorded in nanoseconds in HdrHistograms (3 significant
// digits) and reported in microseconds. Every op kind keeps its encoded
// histogram (HdrHistogram V2 compressed, base64), so results of shards can be
// merged exactly and any percentile recomputed later.
package results
