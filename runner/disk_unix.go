//go:build unix

package runner

import "syscall"

// freeBytes returns the space available to this user in the file system
// holding dir.
func freeBytes(dir string) (uint64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return st.Bavail * uint64(st.Bsize), true //nolint:unconvert // Bsize is int64 on some systems
}
