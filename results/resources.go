package results

import (
	"fmt"
	"strings"
)

// Text describes the connection in a line: how the workers reach the
// store, whether requests are pipelined, how statements are sent, the I/O.
func (c *Connection) Text() string {
	if c == nil {
		return ""
	}
	var parts []string
	switch c.Conns {
	case "worker":
		parts = append(parts, "a connection per worker")
	case "shared":
		s := "connections shared by the workers"
		if c.PoolSize > 0 {
			s += fmt.Sprintf(" (up to %d)", c.PoolSize)
		}
		parts = append(parts, s)
	case "in-process":
		return "in-process (embedded: no connection)"
	}
	switch c.Pipelining {
	case "off":
		parts = append(parts, "one request in flight per connection")
	case "auto":
		parts = append(parts, "auto-pipelined")
	case "multiplexed":
		parts = append(parts, "multiplexed")
	}
	if c.IO != "" {
		parts = append(parts, c.IO+" I/O")
	}
	if c.Prepared != "" {
		parts = append(parts, "statements "+c.Prepared)
	}
	s := strings.Join(parts, ", ")
	if c.Client != "" {
		s = c.Client + ": " + s
	}
	if c.YCSB {
		s += " — YCSB semantics"
	}
	return s
}

// Resources are a cell's resource-normalized figures, formatted; empty
// strings where not measured.
type Resources struct {
	// ClientCPU is storefit's CPU time per operation, e.g. "11.5 µs".
	ClientCPU string
	// ServerCores is the cores the server kept busy on average.
	ServerCores string
	// ServerCPU is the server's CPU time per operation.
	ServerCPU string
	// OpsPerCore is the operations per second per server core.
	OpsPerCore string
	// PeakMemory is the server's peak memory, e.g. "298 MiB (pss)".
	PeakMemory string
	// BytesPerRow is what a loaded row added to the store, e.g. "1,213 B
	// (disk)".
	BytesPerRow string
}

// Resources returns the cell's resource-normalized figures.
func (c *Cell) Resources() Resources {
	var r Resources
	if c.Run != nil {
		if h := c.Run.Harness; h != nil && h.CPUMicrosPerOp > 0 {
			r.ClientCPU = FormatMicros(h.CPUMicrosPerOp) + " µs"
		}
		if s := c.Run.Server; s != nil {
			r.ServerCores = fmt.Sprintf("%.2f", s.Cores)
			if s.CPUMicrosPerOp > 0 {
				r.ServerCPU = FormatMicros(s.CPUMicrosPerOp) + " µs"
				r.OpsPerCore = FormatRate(s.OpsPerCore)
			}
			r.PeakMemory = FormatBytes(s.PeakMemoryBytes) + " (" + s.Memory + ")"
		}
	}
	if l := c.Load; l != nil && l.BytesPerRow > 0 {
		kind, _, _ := strings.Cut(l.Size, ":")
		r.BytesPerRow = FormatCount(int64(l.BytesPerRow+0.5)) + " B (" + kind + ")"
	}
	return r
}

// Text describes the figures in a line; "" when none was measured.
func (r Resources) Text() string {
	var parts []string
	if r.ClientCPU != "" {
		parts = append(parts, "storefit "+r.ClientCPU+" CPU/op")
	}
	if r.ServerCores != "" {
		s := "server " + r.ServerCores + " cores"
		if r.ServerCPU != "" {
			s += ", " + r.ServerCPU + " CPU/op, " + r.OpsPerCore + " ops/s per core"
		}
		parts = append(parts, s+", peak "+r.PeakMemory)
	}
	if r.BytesPerRow != "" {
		parts = append(parts, r.BytesPerRow+" per loaded row")
	}
	return strings.Join(parts, "; ")
}

// FormatBytes formats a byte count in binary units: "512 B", "3.2 MiB".
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
