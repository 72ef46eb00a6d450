package search

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"", nil},
		{"   ,.;!  ", nil},
		{"hello", []string{"hello"}},
		{"The Cat sat.", []string{"the", "cat", "sat"}},
		{"Foo, bar-baz!", []string{"foo", "bar", "baz"}},
		{"#tag @user \"quoted\"", []string{"tag", "user", "quoted"}},
		{"kalo42 is 3.14 or 3,5", []string{"kalo42", "is", "3", "14", "or", "3", "5"}},
		{"don't", []string{"don", "t"}},
		{"snake_case and CamelCase", []string{"snake", "case", "and", "camelcase"}},
		{"tab\tnew\nline\r\nend", []string{"tab", "new", "line", "end"}},
		{"ÄBC déf STRASSE", []string{"äbc", "déf", "strasse"}},
		{"日本語 text", []string{"日本語", "text"}},
		{"a😀b", []string{"a", "b"}},
		{"x\xffy", []string{"x", "y"}}, // invalid UTF-8 separates
		{"ВОДА", []string{"вода"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Tokens([]byte(tt.text))); diff != "" {
			t.Errorf("Tokens(%q) (-want +got):\n%s", tt.text, diff)
		}
	}
}

// TestCorpusBodiesAnalyze checks that the analyzer gives back exactly the
// generated words of every body, dressed up as they are.
func TestCorpusBodiesAnalyze(t *testing.T) {
	w := newWorkload(t, "mix", map[string]any{"records": 3000})
	c := w.Corpus()
	for id := range int64(3000) {
		var words []string
		for _, r := range c.AppendRanks(nil, id) {
			words = append(words, c.Word(int(r)))
		}
		var d gen.CorpusDoc
		c.Doc(id, &d)
		body := d.Body
		if diff := cmp.Diff(words, Tokens(body)); diff != "" {
			t.Fatalf("doc %d %q: tokens (-words +tokens):\n%s", id, body, diff)
		}
	}
}

func TestBM25(t *testing.T) {
	// Values from the definitions, worked out by hand.
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"idf n=6 df=1", IDF(6, 1), math.Log(1 + 5.5/1.5)},
		{"idf n=6 df=6", IDF(6, 6), math.Log(1 + 0.5/6.5)},
		{"idf n=1000 df=0", IDF(1000, 0), math.Log(1 + 1000.5/0.5)},
		// dl = avgdl: norm = 1.2, so tf/(tf+1.2).
		{"tf=1 dl=avgdl", BM25(2, 1, 10, 10), 2 * 1 / 2.2},
		{"tf=3 dl=avgdl", BM25(2, 3, 10, 10), 2 * 3 / 4.2},
		// dl = 2·avgdl: norm = 1.2·(0.25 + 1.5) = 2.1.
		{"tf=1 dl=2avgdl", BM25(1, 1, 20, 10), 1 / 3.1},
		// dl = 0: norm = 1.2·0.25 = 0.3.
		{"tf=1 dl=0", BM25(1, 1, 0, 10), 1 / 1.3},
		{"tf=0", BM25(5, 0, 7, 3), 0},
		{"avgdl", AvgDL(18, 6), 3},
		{"avgdl empty", AvgDL(0, 0), 0},
	}
	for _, tt := range tests {
		if math.Abs(tt.got-tt.want) > 1e-12*math.Max(1, math.Abs(tt.want)) {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	// More occurrences score higher; a longer document scores lower.
	if !(BM25(1, 2, 10, 10) > BM25(1, 1, 10, 10)) || !(BM25(1, 1, 5, 10) > BM25(1, 1, 10, 10)) {
		t.Error("BM25 not increasing in tf or not decreasing in document length")
	}
}

func newWorkload(t testing.TB, variant string, opts map[string]any) *Workload {
	t.Helper()
	w, err := New(variant, workloads.Params{Seed: 1, Scale: workloads.Quick, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return w
}
