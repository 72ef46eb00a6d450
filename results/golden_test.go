package results_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/results/resultstest"
)

var update = flag.Bool("update", false, "rewrite the golden files of the report tests")

// golden compares got with testdata/name, or rewrites the file under
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", name, diff)
	}
}

func TestGoldenReports(t *testing.T) {
	rs := resultstest.Sample()
	tests := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"sample.txt", func(b *bytes.Buffer) error {
			return results.WriteTextReport(b, rs, results.PickOptions{})
		}},
		{"sample.md", func(b *bytes.Buffer) error {
			return results.WriteMarkdown(b, rs, results.PickOptions{})
		}},
		{"pick-noslo.txt", func(b *bytes.Buffer) error {
			return results.WritePickText(b, results.Pick(rs, results.PickOptions{Score: true}))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name+".golden", b.Bytes())
		})
	}
}
