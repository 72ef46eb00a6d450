package runner

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTicks is the unit of the CPU times in /proc/<pid>/stat (USER_HZ),
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// procTree reads the resource use of a process and its descendants from
// /proc.
type procTree struct {
	root int
	buf  []byte
}

// newProcTree returns the tree of process pid, or an error when no such
// process can be read.
func newProcTree(pid int) (*procTree, error) {
	t := &procTree{root: pid}
	if _, _, err := t.stat(pid); err != nil {
		return nil, fmt.Errorf("server process %d: %w", pid, err)
	}
	return t, nil
}

// stat returns process pid's parent and its CPU time: its own and that of
// its children that exited and were waited for.
func (t *procTree) stat(pid int) (ppid int, cpu time.Duration, err error) {
	t.buf, err = readFile(t.buf[:0], "/proc/"+strconv.Itoa(pid)+"/stat")
	if err != nil {
		return 0, 0, err
	}
	// The command name, in parentheses, may hold spaces: fields are
	// counted after its closing parenthesis.
	i := bytes.LastIndexByte(t.buf, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := bytes.Fields(t.buf[i+1:])
	// f[0] is field 3 (state): ppid is field 4, utime..cstime 14..17.
	if len(f) < 15 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	ppid, err = strconv.Atoi(string(f[1]))
	if err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: ppid %q", pid, f[1])
	}
	var ticks int64
	for _, x := range f[11:15] {
		n, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/stat: cpu time %q", pid, x)
		}
		ticks += n
	}
	return ppid, time.Duration(ticks) * time.Second / clockTicks, nil
}

// members returns the pids of the tree: the root and its descendants, with
// the CPU time of them all.
func (t *procTree) members() (pids []int, cpu time.Duration, err error) {
	_, rootCPU, err := t.stat(t.root)
	if err != nil {
		return nil, 0, fmt.Errorf("server process %d: %w", t.root, err)
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, 0, err
	}
	parent := map[int]int{}
	cpuOf := map[int]time.Duration{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == t.root {
			continue
		}
		pp, c, err := t.stat(pid)
		if err != nil {
			continue // exited meanwhile
		}
		parent[pid], cpuOf[pid] = pp, c
	}
	pids, cpu = []int{t.root}, rootCPU
	for pid := range parent {
		for p := parent[pid]; p > 1; p = parent[p] {
			if p == t.root {
				pids = append(pids, pid)
				cpu += cpuOf[pid]
				break
			}
			if _, ok := parent[p]; !ok {
				break
			}
		}
	}
	return pids, cpu, nil
}

// memory returns the memory of the processes pids, summed: their
// proportional set sizes where /proc/<pid>/smaps_rollup can be read, else
// their resident sets; how says which.
func (t *procTree) memory(pids []int) (bytes int64, how string) {
	how = "pss"
	for _, pid := range pids {
		if n, ok := t.kbField("/proc/"+strconv.Itoa(pid)+"/smaps_rollup", "Pss:"); ok {
			bytes += n << 10
			continue
		}
		if n, ok := t.kbField("/proc/"+strconv.Itoa(pid)+"/status", "VmRSS:"); ok {
			bytes += n << 10
			how = "rss"
		}
	}
	return bytes, how
}

// kbField returns the figure in kB of the line of file that starts with
// name.
func (t *procTree) kbField(file, name string) (int64, bool) {
	var err error
	t.buf, err = readFile(t.buf[:0], file)
	if err != nil {
		return 0, false
	}
	for line := range bytes.Lines(t.buf) {
		if rest, ok := bytes.CutPrefix(line, []byte(name)); ok {
			f := bytes.Fields(rest)
			if len(f) == 0 {
				return 0, false
			}
			n, err := strconv.ParseInt(string(f[0]), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// readFile appends the contents of file to buf.
func readFile(buf []byte, file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	b := bytes.NewBuffer(buf)
	_, err = b.ReadFrom(f)
	return b.Bytes(), err
}
