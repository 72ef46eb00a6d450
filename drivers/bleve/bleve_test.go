package bleve_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/bleve"
	"github.com/storefit/storefit/drivers/drivertest"
	"github.com/storefit/storefit/workloads/search"
)

func TestConformance(t *testing.T) {
	drivertest.Run(t, func() drivers.Conn {
		c, err := bleve.Driver{}.Open(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
}

func TestTempDirRemoved(t *testing.T) {
	ctx := context.Background()
	c, err := bleve.Driver{}.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	dir := c.(*bleve.Conn).Dir()
	s, err := c.(search.Provider).SearchStore(search.Schema{Index: "tweets"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "tweets")); err != nil {
		t.Fatalf("index directory: %v", err)
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
	if _, err := s.Count(ctx, search.Query{Kind: search.Term, Terms: []string{"a"}}); err == nil {
		t.Error("Count on a closed store succeeded")
	}
}

func TestPathKept(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "indexes")
	c, err := bleve.Driver{}.Open(ctx, "bleve://"+dir+"?scoring=tfidf")
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.(drivers.Versioner).Version(ctx)
	if err != nil || !strings.Contains(v, "scoring tfidf") || !strings.Contains(v, "persisted") {
		t.Errorf("Version = %q, %v; want the scoring and persistence settings in it", v, err)
	}
	s, _ := c.(search.Provider).SearchStore(search.Schema{Index: "tweets"})
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	docs := []search.Doc{
		{ID: 1, CreatedAt: time.Unix(0, 0), Body: []byte("Hello, World! #hello")},
		{ID: -2, CreatedAt: time.Unix(0, 0), Body: []byte("world peace")},
	}
	if err := s.LoadDocs(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopened by its plain path: the index is still there.
	c, err = bleve.Driver{}.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, _ = c.(search.Provider).SearchStore(search.Schema{Index: "tweets"})
	q := search.Query{Kind: search.Term, Terms: []string{"world"}}
	if n, err := s.Count(ctx, q); err != nil || n != 2 {
		t.Errorf("count %s after reopen = %d, %v; want 2", q, n, err)
	}
	q = search.Query{Kind: search.Phrase, Terms: []string{"hello", "world"}}
	h, err := search.Search(ctx, s, q, 10, nil)
	if err != nil || len(h) != 1 || h[0].ID != 1 {
		t.Errorf("search %s after reopen = %v, %v; want document 1", q, h, err)
	}
	q = search.Query{Kind: search.Or, Terms: []string{"peace", "nothing"}}
	h, err = search.Search(ctx, s, q, 10, nil)
	if err != nil || len(h) != 1 || h[0].ID != -2 {
		t.Errorf("search %s after reopen = %v, %v; want document -2", q, h, err)
	}
}

func TestBadIndexName(t *testing.T) {
	c, err := bleve.Driver{}.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, name := range []string{"", "..", "a/b", "tw eets"} {
		if _, err := c.(search.Provider).SearchStore(search.Schema{Index: name}); err == nil {
			t.Errorf("index name %q accepted", name)
		}
	}
}

func TestOpenBadDSN(t *testing.T) {
	_, err := drivers.Open(context.Background(), "bleve", "bleve://u:pw@host/x")
	if err == nil || strings.Contains(err.Error(), "pw@") {
		t.Errorf("Open with a host: err = %v, want an error without the password", err)
	}
}
