// Package wide is the wide access pattern: sparse user preferences, the
// workload wide-column stores are built for.
//
// # Data
//
// One table (prefs) of rows keyed by user id 0 … rows-1 over a universe of
// 1000 columns pref_000 … pref_999. Row r sets 1 + Poisson(19) columns (mean
// 20, i.e. 2% of the universe; never none), drawn without repeats from a
// Zipf(1) column popularity: a draw picks column c with probability
// proportional to 1/(c+1), so pref_000 is set in 95% of rows, pref_009 in
// 28%, pref_099 in 3% and pref_999 in one row of 300. Values are 12 printable characters,
// a pure function of (seed, row, column, version); loaded data is version 0.
// A row's columns depend only on (seed, row) (gen.Prefs), so any share of
// the rows, and any single row, can be generated on its own: parts load
// concurrently and validation regenerates what it needs. Quick scale has
// 10 000 rows, full 10 000 000.
//
// A row exists while it sets at least one column (as in wide-column stores):
// ReadRow of a row without columns is drivers.ErrNotFound, ReadColumns of it
// answers all null, SetColumns creates it, and deleting its last column
// removes it. Deleting a column that is not set changes nothing.
//
// # Mix
//
//	operation      wide/mix  wide/rows  what
//	read_row          40%      42.1%    every column of a row
//	read_columns      30%      31.6%    5 named columns, drawn uniformly (≈98% null)
//	set_columns       20%      21.1%    3 columns drawn by popularity, new values
//	delete_column      5%       5.3%    1 of the columns the row was loaded with
//	count              5%        —      rows setting a column drawn by popularity
//
// Rows are chosen by a scrambled zipfian (YCSB's) over all rows, or
// uniformly. The count is the optional Counter interface: stores that can
// only answer it by scanning every row do not implement it, and wide/mix is
// then n/a on them — reported, not hidden — while wide/rows, the same mix
// without the count (other proportions renormalized), still measures them.
//
// Writes are partitioned so streams stay deterministic: worker id of n sets
// and deletes only rows whose id is congruent to id modulo n (the row drawn,
// moved to the worker's slot in its block of n), while reads cover every
// row. Every row is written by one worker only, in its stream's order, so
// the data after a run depends only on (seed, options, n, operations per
// worker). Set values have version sets·n + id (never 0), so every written
// value is distinct and checkable. A read_row that finds a row emptied by
// deletes counts as an answer, not an error.
//
// # Validation
//
// Validate regenerates, from the seed alone, the answers to: whole rows of
// 200 rows spread over the id range; 5 named columns of 50 of them — two
// set, three not, asked out of column order; no columns; a row that does
// not exist (not found whole, all null by columns); and, on stores with
// Counter, the number of rows setting pref_000, 001, 002, 003, 009, 049,
// 099, 499, 999 and a column no row sets if there is one, counted in one
// streaming pass over every generated row (constant memory at any scale).
// All comparisons are exact; columns of a row compare in order. Queries
// returns the same set for `storefit gen`; Export writes the data as a long
// table (user_id, column, value).
//
// # Options
//
// Every setting is an option (--set name=value or a suite's options): table,
// rows, columns, meancolumns, columnskew, valuelength, requestdistribution
// (zipfian or uniform), readcolumns, setcolumns, readrowproportion,
// readcolumnsproportion, setproportion, deleteproportion, countproportion,
// loadbatch.
package wide
