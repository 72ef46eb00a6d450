// Package point is the point access pattern: YCSB's core workloads a–f
// against a table of ≈1 KB records, with YCSB's semantics and defaults so
// figures compare with YCSB and go-ycsb.
//
// Keys are "user" followed by the FNV-64 hash of the key number
// (insertorder=hashed); records have fieldcount fields of fieldlength bytes
// whose values are a pure function of (seed, key number, field, version), so
// any read can be checked. The request distribution is zipfian (scrambled, as
// YCSB does it, constant 0.99) except for d, which reads the latest inserts.
//
//	mix  operations                          distribution
//	a    50% read, 50% update                zipfian
//	b    95% read, 5% update                 zipfian
//	c    100% read                           zipfian
//	d    95% read, 5% insert                 latest
//	e    95% scan, 5% insert                 zipfian (scan start)
//	f    50% read, 50% read-modify-write     zipfian
//
// Inserts during a run are spread over workers deterministically: worker w of
// n inserts key numbers records+w, records+w+n, …, so each worker's stream is
// fixed by (seed, w, n), and a worker only reads keys it knows exist (the
// loaded ones and its own inserts). YCSB shares one insert counter between
// threads instead, which makes the stream depend on timing.
//
// Every setting is an option (--set name=value or a suite's options), named
// as YCSB names its properties: records (recordcount), fieldcount,
// fieldlength, requestdistribution, readallfields, writeallfields,
// maxscanlength, scanlengthdistribution, insertorder, zeropadding,
// hotspotdatafraction, hotspotopnfraction, readproportion, updateproportion,
// insertproportion, scanproportion, readmodifywriteproportion, table,
// loadbatch, insertheadroom.
package point
