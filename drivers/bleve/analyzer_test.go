package bleve

import (
	"slices"
	"testing"

	"github.com/storefit/storefit/workloads/gen"
	"github.com/storefit/storefit/workloads/search"
)

// terms returns the terms of the custom analyzer of a fresh index mapping
// on text, checking positions and offsets on the way.
func terms(t *testing.T, text []byte) []string {
	t.Helper()
	im, err := newMapping(ScoringBM25)
	if err != nil {
		t.Fatal(err)
	}
	a := im.AnalyzerNamed(AnalyzerName)
	if a == nil {
		t.Fatalf("no analyzer %s in the mapping", AnalyzerName)
	}
	var out []string
	for i, tok := range a.Analyze(text) {
		if tok.Position != i+1 {
			t.Errorf("%q: token %d at position %d", text, i, tok.Position)
		}
		if tok.Start < 0 || tok.End > len(text) || tok.Start >= tok.End {
			t.Errorf("%q: token %q at bytes %d…%d", text, tok.Term, tok.Start, tok.End)
		}
		out = append(out, string(tok.Term))
	}
	return out
}

func TestAnalyzerContract(t *testing.T) {
	tests := []string{
		"",
		"   ",
		"Foo, bar-baz!",
		"#Hashtag @User don't e.g. 3.14 x2 ABC123def",
		"Ünïcödé ΣΊΣΥΦΟΣ straße İstanbul ǅemal Ⱥ",
		"日本語のテキスト and ١٢٣ digits ½ ⅷ",
		"bad \xff\xfe utf8 \xc3",
		"tab\tnew\nline—dash_underscore",
	}
	for _, s := range tests {
		if got, want := terms(t, []byte(s)), search.Tokens([]byte(s)); !slices.Equal(got, want) {
			t.Errorf("%q: analyzer %q, contract %q", s, got, want)
		}
	}
}

func TestAnalyzerCorpus(t *testing.T) {
	c, err := gen.NewCorpus(1, gen.CorpusConfig{Vocabulary: 50000, Docs: 2000})
	if err != nil {
		t.Fatal(err)
	}
	var d gen.CorpusDoc
	for id := range int64(2000) {
		c.Doc(id, &d)
		if got, want := terms(t, d.Body), search.Tokens(d.Body); !slices.Equal(got, want) {
			t.Fatalf("document %d %q: analyzer %q, contract %q", id, d.Body, got, want)
		}
	}
}
