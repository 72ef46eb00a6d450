package placement

import (
	"context"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// A server the placement runs answers, stops for real and starts again on
// the same address; close removes its data.
func TestServerProcess(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
			t.Fatal("redis-server must be on PATH")
		}
		t.Skip("no redis-server on PATH")
	}
	ctx := context.Background()
	if _, err := startServer(ctx, "postgres", "redis-server"); err == nil {
		t.Error("a redis-server for a postgres store started")
	}
	p, err := startServer(ctx, "redis", "redis-server")
	if err != nil {
		t.Fatal(err)
	}
	answers := func() bool {
		c, err := net.DialTimeout("tcp", p.addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	}
	if !answers() {
		t.Fatal("the server does not answer")
	}
	if err := p.StopServer(ctx); err != nil {
		t.Fatal(err)
	}
	if answers() {
		t.Error("the server answers after StopServer")
	}
	if err := p.StartServer(ctx); err != nil {
		t.Fatal(err)
	}
	if !answers() {
		t.Error("the server does not answer after StartServer")
	}
	if err := p.close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p.dir); !os.IsNotExist(err) {
		t.Errorf("data directory left: %v", err)
	}
}
