package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/drivertest"
	"github.com/storefit/storefit/workloads/point"
)

func TestConformance(t *testing.T) {
	drivertest.Run(t, func() drivers.Conn {
		c, err := Driver{}.Open(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
}

// openTest opens a store for a test and closes it at the end.
func openTest(t *testing.T, dsn string) *Conn {
	t.Helper()
	c, err := Driver{}.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*Conn)
}

// writeOne creates a point table and writes one record.
func writeOne(t *testing.T, c *Conn) point.Store {
	t.Helper()
	ctx := context.Background()
	s, err := c.PointStore(point.Schema{Table: "t", FieldCount: 1, FieldLength: 8})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, []byte("k"), [][]byte{[]byte("v")}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTemporaryDatabaseRemovedAtClose(t *testing.T) {
	c := openTest(t, "")
	writeOne(t, c)
	dir := filepath.Dir(c.Path())
	if _, err := os.Stat(c.Path()); err != nil {
		t.Fatalf("database file: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary directory %s still there after Close (err %v)", dir, err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	s, _ := c.PointStore(point.Schema{Table: "t", FieldCount: 1})
	if err := s.Insert(context.Background(), []byte("k2"), [][]byte{[]byte("v")}); err == nil {
		t.Error("Insert after Close: no error")
	}
}

func TestGivenPathKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kept.db")
	c := openTest(t, path+"?synchronous=full&readers=2")
	writeOne(t, c)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file gone after Close: %v", err)
	}
	// Reopened, the data is still there.
	c = openTest(t, path)
	s, _ := c.PointStore(point.Schema{Table: "t", FieldCount: 1})
	got, err := s.Read(context.Background(), []byte("k"), nil, nil)
	if err != nil || len(got) != 1 || string(got[0]) != "v" {
		t.Errorf("read after reopen = %q, %v", got, err)
	}
}

func TestVersion(t *testing.T) {
	c := openTest(t, "?synchronous=full")
	v, err := c.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"SQLite 3.", "modernc.org/sqlite", "journal_mode=wal", "synchronous=FULL"} {
		if !strings.Contains(v, s) {
			t.Errorf("Version() = %q, lacks %q", v, s)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	for _, dsn := range []string{"x.db?readers=0", filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")} {
		if c, err := (Driver{}).Open(context.Background(), dsn); err == nil {
			c.Close()
			t.Errorf("Open(%q): no error", dsn)
		}
	}
}

func TestRegistered(t *testing.T) {
	info, ok := drivers.Describe("sqlite")
	if !ok || !info.Embedded || info.Conn == nil {
		t.Errorf("Describe(sqlite) = %+v, %v", info, ok)
	}
}
