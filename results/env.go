package results

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// CurrentEnvironment describes the machine this process runs on. Fields it
// cannot read are left empty or zero.
func CurrentEnvironment() Environment {
	e := Environment{
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		Cores:      runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion:  runtime.Version(),
		CPUModel:   "unknown",
	}
	e.Kernel = kernelRelease()
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		e.CPUModel = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		kb, err := strconv.ParseUint(strings.TrimSuffix(v, " kB"), 10, 64)
		if err == nil {
			e.MemoryBytes = kb * 1024
		}
	}
	return e
}

// procField returns the value of the first "key : value" line of a /proc
// file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
