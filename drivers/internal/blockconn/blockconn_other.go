//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package blockconn

import (
	"net"
	"os"
)

const (
	shutRD = iota
	shutWR
	shutRDWR
)

// Supported reports whether this system has blocking connections.
const Supported = false

func fromConn(net.Conn) (*Conn, error) { return nil, ErrUnsupported }

func shutdown(*os.File, int) {}
