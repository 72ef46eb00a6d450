package results

import (
	"strings"
	"testing"
)

func TestConnectionText(t *testing.T) {
	for _, tc := range []struct {
		c    *Connection
		want []string
	}{
		{nil, nil},
		{&Connection{Client: "pgx (a connection per worker)", Conns: "worker", Pipelining: "off", IO: "blocking", Prepared: "prepared once per connection", YCSB: true},
			[]string{"pgx (a connection per worker): a connection per worker", "one request in flight", "blocking I/O", "statements prepared once", "YCSB semantics"}},
		{&Connection{Client: "rueidis (auto-pipelining)", Conns: "shared", PoolSize: 2, Pipelining: "auto", IO: "netpoll"},
			[]string{"shared by the workers (up to 2)", "auto-pipelined", "netpoll I/O"}},
		{&Connection{Conns: "in-process"}, []string{"in-process"}},
	} {
		got := tc.c.Text()
		if tc.want == nil && got != "" {
			t.Errorf("nil Connection: %q", got)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("Text() = %q, want it to say %q", got, w)
			}
		}
		if tc.c != nil && !tc.c.YCSB && strings.Contains(got, "YCSB") {
			t.Errorf("Text() = %q claims YCSB semantics", got)
		}
	}
}

func TestResources(t *testing.T) {
	c := &Cell{
		Load: &Load{Rows: 1000, StoreBytes: 1_213_000, BytesPerRow: 1213, Size: "disk: pg_database_size"},
		Run: &Run{Ops: 90_000, Seconds: 3,
			Harness: &Harness{CPUMicrosPerOp: 11.5},
			Server:  &Server{PID: 7, CPUSeconds: 1.5, Cores: 0.5, PeakMemoryBytes: 300 << 20, Memory: "pss"}},
	}
	c.Run.Server.PerOp(c.Run.Ops)
	if s := c.Run.Server; s.OpsPerCore != 60_000 || s.CPUMicrosPerOp < 16.66 || s.CPUMicrosPerOp > 16.67 {
		t.Errorf("PerOp: %+v, want 60,000 ops per core and 16.7 µs per op", s)
	}
	r := c.Resources()
	want := Resources{ClientCPU: "11.5 µs", ServerCores: "0.50", ServerCPU: "16.7 µs", OpsPerCore: FormatRate(60_000),
		PeakMemory: "300.0 MiB (pss)", BytesPerRow: "1,213 B (disk)"}
	if r != want {
		t.Errorf("Resources() = %+v, want %+v", r, want)
	}
	for _, w := range []string{"storefit 11.5 µs CPU/op", "server 0.50 cores", "per core", "peak 300.0 MiB (pss)", "1,213 B (disk) per loaded row"} {
		if !strings.Contains(r.Text(), w) {
			t.Errorf("Text() = %q, want %q", r.Text(), w)
		}
	}
	if (&Cell{}).Resources().Text() != "" {
		t.Error("a cell without figures has a resources text")
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 3 << 20: "3.0 MiB", 5 << 30: "5.0 GiB"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
