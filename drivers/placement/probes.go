package placement

import (
	"bufio"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/storefit/storefit/drivers"
)

// probes measures the resource use of a placement's stores: CPU seconds and
// RSS of local server processes (found by the port they listen on), and
// bytes on disk (an embedded store's files under the placement's {dir}, a
// native server's data directory, $STOREFIT_NATIVE_DIR/<driver>/data or
// $STOREFIT_NATIVE_DIR/<driver>). What cannot
// be measured is left out (reported as n/a).
type probes struct {
	c      *Conn
	before map[string]float64 // store → CPU seconds at BeginMeasure
}

func newProbes(c *Conn) *probes { return &probes{c: c, before: map[string]float64{}} }

// defaultPorts are the ports the servers compose/ starts listen on.
var defaultPorts = map[string]int{
	"postgres": 5432, "timescale": 5432, "redis": 6379, "neo4j": 7687, "opensearch": 9200, "elastic": 9200,
	"clickhouse": 9000, "cassandra": 9042, "influx": 8086,
}

// serverPort returns the local port a server store listens on, or 0 when it
// is not on this machine or not known.
func serverPort(driver, dsn string) int {
	if info, ok := drivers.Describe(driver); ok && info.Embedded {
		return 0
	}
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return 0
		}
		host := u.Hostname()
		if host != "" && host != "localhost" {
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return 0
			}
		}
		if p, err := strconv.Atoi(u.Port()); err == nil {
			return p
		}
	}
	return defaultPorts[driver]
}

// cpuOf returns the CPU seconds (user + system) and RSS bytes of the
// process listening on port and all its descendants (PostgreSQL forks a
// backend per connection).
func cpuOf(port int) (cpu float64, rss int64, ok bool) {
	root := listener(port)
	if root == 0 {
		return 0, 0, false
	}
	children := map[int][]int{}
	stats := map[int][]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f := procStat(pid)
		if len(f) < 15 {
			continue
		}
		stats[pid] = f
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], pid)
	}
	tick := 100.0 // USER_HZ on Linux
	var walk func(int)
	walk = func(pid int) {
		if f, ok := stats[pid]; ok {
			ut, _ := strconv.ParseFloat(f[11], 64)
			st, _ := strconv.ParseFloat(f[12], 64)
			cpu += (ut + st) / tick
			rss += vmRSS(pid)
		}
		for _, ch := range children[pid] {
			walk(ch)
		}
	}
	walk(root)
	return cpu, rss, true
}

// procStat returns the fields of /proc/pid/stat after the command name:
// index 0 is the state, 1 the parent pid, 11 utime, 12 stime.
func procStat(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

func vmRSS(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// listener returns the pid of the process listening on a TCP port, from
// /proc/net/tcp{,6} (socket inode) and /proc/<pid>/fd; 0 when not found or
// not visible to this user.
func listener(port int) int {
	inodes := map[string]bool{}
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 10 || fs[3] != "0A" { // LISTEN
				continue
			}
			_, p, ok := strings.Cut(fs[1], ":")
			if !ok {
				continue
			}
			if n, err := strconv.ParseInt(p, 16, 32); err == nil && int(n) == port {
				inodes["socket:["+fs[9]+"]"] = true
			}
		}
		f.Close()
	}
	if len(inodes) == 0 {
		return 0
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && inodes[l] {
				return pid
			}
		}
	}
	return 0
}

// diskBytes sums the sizes of the files under path and of the files next
// to it whose names start with its base name (SQLite's -wal and -shm).
func diskBytes(path string) (int64, bool) {
	matches, _ := filepath.Glob(path + "*")
	if len(matches) == 0 {
		return 0, false
	}
	var n int64
	for _, m := range matches {
		filepath.WalkDir(m, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if info, err := d.Info(); err == nil {
					n += info.Size()
				}
			}
			return nil
		})
	}
	return n, true
}

// storePath returns the local path an embedded store's DSN names under the
// placement's directory, or "".
func (p *probes) storePath(name string) string {
	dsn := p.c.dsns[name]
	if p.c.dir == "" || !strings.Contains(dsn, p.c.dir) {
		return ""
	}
	i := strings.Index(dsn, p.c.dir)
	path := dsn[i:]
	if j := strings.IndexAny(path, "?#"); j >= 0 {
		path = path[:j]
	}
	return path
}

// begin records CPU seconds before a measured phase.
func (p *probes) begin() {
	for _, name := range p.c.names {
		if port := serverPort(p.c.cfg.Stores[name].Driver, p.c.dsns[name]); port > 0 {
			if cpu, _, ok := cpuOf(port); ok {
				p.before[name] = cpu
			}
		}
	}
}

// figures returns per store "resource.<store>.cpu_s" (during the measured
// phase), ".rss_bytes" and ".disk_bytes", where measurable.
func (p *probes) figures(out map[string]float64) {
	nativeDir := os.Getenv("STOREFIT_NATIVE_DIR")
	if nativeDir == "" {
		nativeDir = "/tmp/storefit-native"
	}
	for _, name := range p.c.names {
		driver := p.c.cfg.Stores[name].Driver
		key := "resource." + name + "."
		if port := serverPort(driver, p.c.dsns[name]); port > 0 {
			if cpu, rss, ok := cpuOf(port); ok {
				if b, ok := p.before[name]; ok {
					out[key+"cpu_s"] = cpu - b
				}
				out[key+"rss_bytes"] = float64(rss)
			}
			// The server's data directory: <dir>/data where the script
			// keeps one (logs and copied jars left out), else <dir>.
			dir := filepath.Join(nativeDir, driver)
			if fi, err := os.Stat(filepath.Join(dir, "data")); err == nil && fi.IsDir() {
				dir = filepath.Join(dir, "data")
			}
			if n, ok := diskBytes(dir); ok && n > 0 {
				out[key+"disk_bytes"] = float64(n)
			}
			continue
		}
		if path := p.storePath(name); path != "" {
			if n, ok := diskBytes(path); ok {
				out[key+"disk_bytes"] = float64(n)
			}
		}
	}
}
