package runner

import (
	"sync"
	"time"

	"github.com/storefit/storefit/results"
)

// serverSample is how often the server meter samples the server's memory
// during a measured phase.
const serverSample = 250 * time.Millisecond

// serverMeter measures a store's server processes during a measured phase:
// CPU time at its start and end, memory every serverSample.
type serverMeter struct {
	tree *procTree
	pid  int
	cpu0 time.Duration

	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	peak int64
	how  string
	most int
	err  error
}

// startServerMeter starts measuring the process tree of pid; nil when pid
// is 0. An error says the process cannot be read.
func startServerMeter(pid int) (*serverMeter, error) {
	if pid == 0 {
		return nil, nil
	}
	tree, err := newProcTree(pid)
	if err != nil {
		return nil, err
	}
	pids, cpu, err := tree.members()
	if err != nil {
		return nil, err
	}
	m := &serverMeter{tree: tree, pid: pid, cpu0: cpu, stop: make(chan struct{}), done: make(chan struct{})}
	m.sample(pids)
	go m.run()
	return m, nil
}

func (m *serverMeter) run() {
	defer close(m.done)
	t := time.NewTicker(serverSample)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			pids, _, err := m.tree.members()
			if err != nil {
				m.mu.Lock()
				m.err = err
				m.mu.Unlock()
				return
			}
			m.sample(pids)
		}
	}
}

// sample takes the memory of the tree's processes pids.
func (m *serverMeter) sample(pids []int) {
	mem, how := m.tree.memory(pids)
	m.mu.Lock()
	defer m.mu.Unlock()
	if mem > m.peak {
		m.peak, m.how = mem, how
	}
	m.most = max(m.most, len(pids))
}

// finish stops the meter and returns the server's figures over elapsed
// (Server.PerOp adds those per operation). An error says the server could no longer
// be read (it stopped during the phase).
func (m *serverMeter) finish(elapsed time.Duration) (*results.Server, error) {
	close(m.stop)
	<-m.done
	pids, cpu, err := m.tree.members()
	if err == nil {
		m.sample(pids)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err == nil {
		err = m.err
	}
	if err != nil {
		return nil, err
	}
	s := &results.Server{PID: m.pid, Processes: m.most, CPUSeconds: (cpu - m.cpu0).Seconds(),
		PeakMemoryBytes: m.peak, Memory: m.how}
	if elapsed > 0 {
		s.Cores = s.CPUSeconds / elapsed.Seconds()
	}
	return s, nil
}
