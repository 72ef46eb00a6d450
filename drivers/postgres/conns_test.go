package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/internal/blockconn"
)

// TestBlockingIO checks that io=blocking puts pgx on blockconn's
// connections, a worker's own and the pool's, and that the Conn says so.
func TestBlockingIO(t *testing.T) {
	dsn := os.Getenv("STOREFIT_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
			t.Fatal("STOREFIT_POSTGRES_DSN is not set and STOREFIT_REQUIRE_SERVERS=1")
		}
		t.Skip("STOREFIT_POSTGRES_DSN is not set")
	}
	if !blockconn.Supported {
		t.Skip("no blocking connections on this system")
	}
	ctx := context.Background()
	cfg, err := ParseConfig(dsn + "&conns=worker&io=blocking")
	if err != nil {
		t.Fatal(err)
	}
	c, err := OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wc, err := c.WorkerConn(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer wc.Close()
	if nc, ok := wc.(*Conn).own.PgConn().Conn().(*blockconn.Conn); !ok {
		t.Errorf("a worker's connection is a %T, want a *blockconn.Conn", nc)
	}
	pc, err := c.shared.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Release()
	if nc, ok := pc.Conn().PgConn().Conn().(*blockconn.Conn); !ok {
		t.Errorf("a pooled connection is a %T, want a *blockconn.Conn", nc)
	}
	got := wc.(drivers.ConnectionDescriber).Connection()
	if got.Conns != drivers.ConnsWorker || got.IO != drivers.IOBlocking || got.Pipelining != drivers.PipeliningOff || !got.YCSB() {
		t.Errorf("Connection() = %+v, want a blocking connection per worker, no pipelining", got)
	}
}
