//go:build !unix

package workloads

// LedgerHeadroom is how many times their size the ledgers' dense arrays
// grow the process: twice on the Go heap (the collector's headroom).
const LedgerHeadroom = 2

// ledgerMemory returns n zeroed bytes for a ledger's dense arrays, from the
// Go heap (see ledger_unix.go); free is nil.
func ledgerMemory(n int) (b []byte, free func([]byte)) { return make([]byte, n), nil }
