package runner

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"
)

// TestServerMeter measures this test's own process as the "server": a
// child it starts must count in the tree, CPU it burns in the phase must
// show, and its memory must be read.
func TestServerMeter(t *testing.T) {
	if runtime.GOOS != "linux" {
		if _, err := startServerMeter(os.Getpid()); err == nil {
			t.Fatal("a server meter started without /proc")
		}
		t.Skip("server figures need Linux")
	}
	child := exec.Command("sleep", "10")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	m, err := startServerMeter(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	u0, s0, _ := processCPU()
	start := time.Now()
	for x := 0; time.Since(start) < 300*time.Millisecond; x++ {
		_ = x * x // burn CPU
	}
	elapsed := time.Since(start)
	u1, s1, _ := processCPU()
	own := (u1 - u0 + s1 - s0).Seconds()
	s, err := m.finish(elapsed)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", s)
	if s.PID != os.Getpid() || s.Processes < 2 {
		t.Errorf("pid %d, %d processes; want %d and its child", s.PID, s.Processes, os.Getpid())
	}
	// /proc counts in 10 ms ticks; getrusage is exact. (On a busy
	// machine the loop gets less than its 300 ms of CPU.)
	if s.CPUSeconds <= 0 || s.CPUSeconds < own-0.03 || s.CPUSeconds > own+0.1 {
		t.Errorf("%.2f s of CPU in the tree, %.2f s by getrusage", s.CPUSeconds, own)
	}
	if s.PeakMemoryBytes < 1<<20 || (s.Memory != "pss" && s.Memory != "rss") {
		t.Errorf("peak memory %d (%s)", s.PeakMemoryBytes, s.Memory)
	}
	s.PerOp(1000)
	if s.OpsPerCore <= 0 || s.CPUMicrosPerOp <= 0 {
		t.Errorf("per op: %+v", s)
	}
}

func TestServerMeterNoProcess(t *testing.T) {
	if m, err := startServerMeter(0); m != nil || err != nil {
		t.Errorf("pid 0: %v, %v; want no meter", m, err)
	}
	// A pid beyond pid_max never runs.
	if _, err := startServerMeter(1 << 30); err == nil {
		t.Error("a meter started on a process that does not exist")
	}
}
