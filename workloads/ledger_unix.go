//go:build unix

package workloads

import "syscall"

// LedgerHeadroom is how many times their size the ledgers' dense arrays
// grow the process: once, off the Go heap.
const LedgerHeadroom = 1

// ledgerMemory returns n zeroed bytes for a ledger's dense arrays, mapped
// outside the Go heap so that the garbage collector neither scans them nor
// lets the heap grow by their size before it collects (the heap's goal is
// twice its live size): the arrays cost their size and no more. The
// operating system gives pages as the run first writes them. free returns
// them; nil when the bytes come from the Go heap (the mapping failed).
func ledgerMemory(n int) (b []byte, free func([]byte)) {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, n), nil
	}
	return b, func(b []byte) { _ = syscall.Munmap(b) }
}
