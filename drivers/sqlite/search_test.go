package sqlite

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
	"github.com/storefit/storefit/workloads/search"
)

// ftsTokens indexes the texts with the driver's FTS5 table and returns the
// tokens FTS5 made of each, in position order (read from an fts5vocab
// table of its instances).
func ftsTokens(t *testing.T, texts [][]byte) [][]string {
	t.Helper()
	ctx := context.Background()
	c := openTest(t, "")
	s, err := c.SearchStore(search.Schema{Index: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	docs := make([]search.Doc, len(texts))
	for i, x := range texts {
		docs[i] = search.Doc{ID: int64(i), CreatedAt: time.Unix(0, 0), Body: x}
	}
	if err := s.LoadDocs(ctx, docs); err != nil {
		t.Fatal(err)
	}
	got := make([][]string, len(texts))
	// The vocabulary table is a temporary table of the write connection
	// (readers are query_only).
	err = c.write(ctx, func(w *writeConn) error {
		if _, err := w.conn.ExecContext(ctx, "CREATE VIRTUAL TABLE temp.tok_instances USING fts5vocab(main, tok, instance)"); err != nil {
			return err
		}
		rows, err := w.conn.QueryContext(ctx, "SELECT term, doc, offset FROM temp.tok_instances ORDER BY doc, offset")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var term string
			var doc, off int
			if err := rows.Scan(&term, &doc, &off); err != nil {
				return err
			}
			if off != len(got[doc]) {
				t.Errorf("document %d: token %q at position %d, want %d", doc, term, off, len(got[doc]))
			}
			got[doc] = append(got[doc], term)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestTokenizerMatchesContract checks that the FTS5 tokenizer the driver
// configures makes the tokens search.Tokens makes: on a generated corpus
// (ASCII: capitals, digits, punctuation, #, @, hyphens), on text where the
// two agree beyond ASCII, and records where they are known to differ.
func TestTokenizerMatchesContract(t *testing.T) {
	w, err := search.New("mix", workloads.Params{Seed: 3, Scale: workloads.Quick, Options: map[string]any{"records": 3000}})
	if err != nil {
		t.Fatal(err)
	}
	var texts [][]byte
	var d gen.CorpusDoc
	for i := range int64(3000) {
		w.Corpus().Doc(i, &d)
		texts = append(texts, append([]byte(nil), d.Body...))
	}
	corpus := len(texts)
	agree := []string{
		"Hello, World! foo-bar_baz 42 3.14 x2y #Tag @User",
		"héllo wörld Ærøskøbing ÉCOLE naïve café Straße",
		"ΣΊΣΥΦΟΣ Ωμέγα ПРИВЕТ мир ǅemal ǈ Ǳ K Å Ω ﬁ",
		"日本語のテキスト 中文 한국어",
		"x² ½ Ⅻ ① ⓐ ٣٤ १२३ ๓", // No, Nl and So split; Nd of any script is kept
		"tab\tnew\nline—dash…ellipsis «quote» ‘x’ $100 €5",
	}
	// Known differences: FTS5's unicode61 tables are Unicode 6.1 and keep
	// combining marks (Mn) inside tokens; Go's are current and split on
	// them.
	differ := []struct{ text, fts5 string }{
		{"e\u0301cole", "e\u0301cole"}, // combining acute: Go splits "e", "cole"
		{"İstanbul", "İstanbul"},       // U+0130: Go folds it to "i"
		{"🙂emoji", "🙂emoji"},           // FTS5 keeps characters outside the BMP
		{"ᏣᎳᎩ Ꞵ", "ᏣᎳᎩ Ꞵ"},             // lower case letters added after Unicode 6.1 are not folded
	}
	for _, s := range agree {
		texts = append(texts, []byte(s))
	}
	for _, s := range differ {
		texts = append(texts, []byte(s.text))
	}
	got := ftsTokens(t, texts)
	for i, x := range texts {
		want := search.Tokens(x)
		switch j := i - corpus - len(agree); {
		case j < 0:
			if !slices.Equal(got[i], want) {
				t.Errorf("tokens of %q:\nFTS5 %q\nGo   %q", x, got[i], want)
			}
		default:
			if slices.Equal(got[i], want) {
				t.Errorf("tokens of %q: FTS5 now agrees with Tokens (%q); move it to the agreeing texts", x, want)
			} else if fts := strings.Fields(differ[j].fts5); !slices.Equal(got[i], fts) {
				t.Errorf("tokens of %q: FTS5 %q, expected %q", x, got[i], fts)
			}
			t.Logf("known difference: %q → FTS5 %q, Tokens %q", x, got[i], want)
		}
	}
}

func TestMatchExpr(t *testing.T) {
	tests := []struct {
		q    search.Query
		want string
	}{
		{search.Query{Kind: search.Term, Terms: []string{"foo"}}, `"foo"`},
		{search.Query{Kind: search.And, Terms: []string{"foo", "and"}}, `"foo" AND "and"`},
		{search.Query{Kind: search.Or, Terms: []string{"or", "not", "near"}}, `"or" OR "not" OR "near"`},
		{search.Query{Kind: search.Phrase, Terms: []string{"a", "a"}}, `"a" + "a"`},
		{search.Query{Kind: search.Term, Terms: []string{`x"y`}}, `"x""y"`},
	}
	for _, tc := range tests {
		got, err := matchExpr(tc.q)
		if err != nil || got != tc.want {
			t.Errorf("matchExpr(%v) = %q, %v; want %q", tc.q, got, err, tc.want)
		}
	}
	if _, err := matchExpr(search.Query{Kind: search.And}); err == nil {
		t.Error("matchExpr of a query without terms: no error")
	}
}
