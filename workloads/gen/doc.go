// Package gen holds storefit's deterministic generators: random streams,
// key choosers with YCSB's semantics (uniform, sequential, zipfian, scrambled
// zipfian, latest, hotspot), YCSB's FNV-64 key hashing, and record values that
// are a pure function of their coordinates.
//
// Every generator draws from a *Rand made by NewRand(seed, stream): the same
// seed and stream give the same sequence on every machine and Go version
// (PCG, as math/rand/v2 specifies it). Workers use one stream each, so a
// worker's operation stream depends only on the seed and its index.
//
// Generators are not safe for concurrent use: each worker owns its own.
package gen
