// Package series is the series access pattern: append-heavy metrics in the
// shape of TSBS's cpu-only use case (timescale/tsbs), its ingest rate, and
// the TSBS queries single-groupby-1-1-1, single-groupby-5-8-1,
// double-groupby-1, high-cpu-1, lastpoint and groupby-orderby-limit, and,
// for sweeps over thousands of hosts and days of data, TSBS's queries over
// every field: double-groupby-all and cpu-max-all-8.
//
// # Data
//
// hosts hosts, ids 0 … hosts-1, named host_<id> as TSBS names them. Each has
// ten tags (hostname, region, datacenter, rack, os, arch, team, service,
// service_version, service_environment) drawn from TSBS's fixed lists, a
// pure function of (seed, host). Every host reports one reading every
// interval (10 s) from start (2016-01-01T00:00:00Z, TSBS's default) for
// duration: quick 100 hosts × 1 h (36 000 rows), full 4 000 hosts × 24 h
// (34 560 000 rows). A scale factor f splits the growth between hosts and
// time along the power laws through quick and full (full is factor 960):
// 100·f^0.537 hosts (rounded) × 1 h·f^0.463 (rounded to whole intervals),
// so rows grow as f — factor 10: 344 hosts × 2 h 54 min; factor 100: 1 185
// hosts × 8 h 22 min. All hosts report at the same times, as in TSBS.
//
// A reading has ten fields (usage_user, usage_system, usage_idle,
// usage_nice, usage_iowait, usage_irq, usage_softirq, usage_steal,
// usage_guest, usage_guest_nice), each a random walk clamped to [0, 100]
// that starts uniform in [0, 100] and steps by ≈ N(0, 1), like TSBS's
// clamped random walk; each host's walks are a pure function of (seed,
// host). Values lie on a grid of 2^-20, so they are exact in float64, and so
// is any sum of them (fewer than ≈ 8.6·10^7 values) in any order: a mean
// computed as sum/count is the same whatever order a store adds in. (TSBS
// writes cpu values as integers; storefit keeps the fraction.) See
// gen.CPUGenerator.
//
// Load writes rows in time order (all hosts of the share at the first time,
// then the next time, …) in batches of loadbatch rows (10 000, TSBS's
// default batch size); share part of parts is a host range, so a host's
// readings all come from one loader, in time order. Results report the
// ingest rate as rows/s and values/s (10 values per row).
//
// # Queries
//
// Windows are half-open, [start, end). Time buckets are aligned to the Unix
// epoch, as TimescaleDB's time_bucket and InfluxQL's GROUP BY time() place
// them; empty buckets are left out. Hostnames order byte-wise. Random
// windows start at a whole second, uniformly among the starts that keep the
// window inside the data (TSBS's random window), so their first and last
// buckets may be partial, as in TSBS. Each query, with its Store method:
//
//	single-groupby-1-1-1   MaxByTime: max of usage_user of 1 random host per
//	                       5 min bucket over a random 1 h window, by time.
//	                       SELECT time_bucket('5m', time), max(usage_user)
//	                       FROM cpu WHERE hostname IN (…) AND time >= $start
//	                       AND time < $end GROUP BY 1 ORDER BY 1
//	single-groupby-5-8-1   MaxByTime: the same for the first 5 fields
//	                       (usage_user … usage_iowait) over 8 distinct random
//	                       hosts (one max per bucket over all 8 hosts).
//	double-groupby-1       MeanByTimeHost: mean of usage_user per host per
//	                       hour over a random 12 h window of all hosts,
//	                       ordered by hour, then hostname. The window is
//	                       capped at half the data (quick: 30 min) and the
//	                       bucket is a twelfth of the window (full: 1 h;
//	                       quick: 2.5 min), so the answer keeps TSBS's shape
//	                       of 12 buckets per host.
//	high-cpu-1             HighCPU: every reading (all fields) of 1 random
//	                       host with usage_user > 90 in a random 12 h window
//	                       (capped at half the data: quick 30 min), ordered by
//	                       time. SELECT * FROM cpu WHERE usage_user > 90 AND
//	                       hostname = $host AND time >= $start AND time < $end
//	lastpoint              LastPoint: the latest reading of every host,
//	                       ordered by hostname. SELECT DISTINCT ON (hostname)
//	                       * FROM cpu ORDER BY hostname, time DESC
//	groupby-orderby-limit  RecentMaxByTime: max usage_user over all hosts per
//	                       1 min bucket of the readings before a random end,
//	                       the 5 latest buckets, newest first. SELECT
//	                       time_bucket('1m', time) AS m, max(usage_user) FROM
//	                       cpu WHERE time < $end GROUP BY m ORDER BY m DESC
//	                       LIMIT 5. The end is drawn at a whole second in
//	                       [start + 5 min, end of data]; TSBS draws the end
//	                       of a random 1 h window, which leaves quick-scale
//	                       data (1 h) a single choice.
//	double-groupby-all     MeanByTimeHost: double-groupby-1 for all ten
//	                       fields (same window and buckets).
//	cpu-max-all-8          MaxByTime: max of all ten fields of 8 distinct
//	                       random hosts per hour over a random 8 h window
//	                       (capped at the data: quick 1 h, buckets of an
//	                       eighth of the window).
//
// TSBS's README describes single-groupby as "every 5 mins" while its query
// generators bucket by 1 minute; storefit follows the description
// (groupbybucket=1m gives the generators' form).
//
// # Mixes
//
//	workload                      operations
//	series/mix                    the six classic queries, 1/6 each
//	series/single-groupby-1-1-1   100% single-groupby-1-1-1
//	series/single-groupby-5-8-1   100% single-groupby-5-8-1
//	series/double-groupby-1       100% double-groupby-1
//	series/high-cpu-1             100% high-cpu-1
//	series/lastpoint              100% lastpoint
//	series/groupby-orderby-limit  100% groupby-orderby-limit
//	series/double-groupby-all     100% double-groupby-all
//	series/cpu-max-all-8          100% cpu-max-all-8
//
// TSBS runs one query type at a time; the single-query variants do the same
// and series/mix interleaves them. Queries only read, so workers need no
// partitioning: worker id draws its parameters from its own random stream
// (seed, id).
//
// # Options
//
// table (cpu), hosts, duration, interval, start, records (when set, every
// host reports max(1, records/hosts) readings, overriding duration),
// loadbatch, queries (comma-separated TSBS names: the mix), groupbywindow
// (1 h, capped at the data), groupbybucket (5m), doublegroupbywindow,
// doublegroupbybucket, maxallwindow, maxallbucket, highcpuwindow (derived
// as above when 0),
// highcputhreshold (90), limitbucket (1m), limit (5). Durations are Go
// durations ("30m", "10s").
//
// # Validation
//
// Validate asks a fixed set of queries: the six TSBS queries with parameters
// drawn from a validation stream of the seed (and, when the mix has them,
// double-groupby-all and two cpu-max-all-8), and edge cases — fields asked
// out of order, an unknown host among known ones, a window after the data,
// all ten fields of double-groupby, the three hosts whose usage_user starts
// highest for high-cpu (random hosts often have no reading above 90),
// high-cpu over all hosts, and groupby-orderby-limit ending after the data,
// just after the first readings, and at the first readings (empty). The
// expected answers are computed in one streaming pass over the generated
// data: one accumulator per query (bucket maxima, per-group sums and counts,
// matching readings, last reading per host), so the data set is never held
// in memory. Times, hosts, counts and order must match exactly; values
// within 1e-9 relative (maxima and, thanks to the grid, means are in fact
// exact).
package series
