package pebble_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/drivertest"
	"github.com/storefit/storefit/drivers/pebble"
	"github.com/storefit/storefit/workloads/point"
)

func TestConformance(t *testing.T) {
	drivertest.Run(t, func() drivers.Conn {
		c, err := pebble.Driver{}.Open(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
}

func TestTempDirRemoved(t *testing.T) {
	c, err := pebble.Driver{}.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	dir := c.(*pebble.Conn).Dir()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("database directory: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("temporary directory %s still there after Close (%v)", dir, err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestPathKept(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "db")
	schema := point.Schema{Table: "usertable", FieldCount: 2, FieldLength: 4}
	c, err := pebble.Driver{}.Open(ctx, "pebble://"+dir+"?sync=true")
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.(drivers.Versioner).Version(ctx)
	if err != nil || !strings.Contains(v, "sync=true") {
		t.Errorf("Version = %q, %v; want the sync setting in it", v, err)
	}
	s, err := c.(point.Provider).PointStore(schema)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, []byte("user1"), [][]byte{[]byte("ab"), []byte("cd")}); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopened by its plain path: the data is still there.
	c, err = pebble.Driver{}.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, _ = c.(point.Provider).PointStore(schema)
	got, err := s.Read(ctx, []byte("user1"), []int{1}, nil)
	if err != nil || len(got) != 1 || string(got[0]) != "cd" {
		t.Errorf("read after reopen = %q, %v; want [cd]", got, err)
	}
}

func TestOpenBadDSN(t *testing.T) {
	_, err := drivers.Open(context.Background(), "pebble", "pebble://u:pw@host/x")
	if err == nil || strings.Contains(err.Error(), "pw@") {
		t.Errorf("Open with a host: err = %v, want an error without the password", err)
	}
}
