//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package blockconn

import (
	"fmt"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	shutRD   = unix.SHUT_RD
	shutWR   = unix.SHUT_WR
	shutRDWR = unix.SHUT_RDWR
)

// Supported reports whether this system has blocking connections.
const Supported = true

// fromConn moves c's socket into a blocking Conn: it duplicates the
// descriptor (close-on-exec), closes c — which takes c's descriptor out of
// the network poller — and clears O_NONBLOCK on the duplicate, which
// os.NewFile then leaves out of the poller.
func fromConn(c net.Conn) (*Conn, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("%T has no descriptor", c)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	nfd := -1
	var derr error
	if err := raw.Control(func(fd uintptr) {
		nfd, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, fmt.Errorf("dup: %w", derr)
	}
	laddr, raddr := c.LocalAddr(), c.RemoteAddr()
	if err := c.Close(); err != nil {
		unix.Close(nfd)
		return nil, err
	}
	if err := unix.SetNonblock(nfd, false); err != nil {
		unix.Close(nfd)
		return nil, fmt.Errorf("set blocking: %w", err)
	}
	return &Conn{f: os.NewFile(uintptr(nfd), raddr.Network()+":"+raddr.String()), laddr: laddr, raddr: raddr}, nil
}

// shutdown shuts f's socket down in direction how, waking a thread blocked
// in a call on it. A closed file is left alone.
func shutdown(f *os.File, how int) {
	raw, err := f.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) { unix.Shutdown(int(fd), how) })
}
