//go:build !unix

package results

func kernelRelease() string { return "" }
