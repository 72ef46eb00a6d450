// Package searchresttest holds the tests the elastic and opensearch drivers
// share: that the index's analyzer, as the server runs it, is the analyzer
// contract of package search.
package searchresttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers/internal/searchrest"
	"github.com/storefit/storefit/workloads/gen"
	"github.com/storefit/storefit/workloads/search"
)

// ContractTexts are texts on which analyzers commonly differ from the
// contract: punctuation inside words, numbers with points, Unicode case,
// scripts without spaces, non-decimal digits, invalid UTF-8.
var ContractTexts = []string{
	"",
	"   ",
	"Foo, bar-baz!",
	"#Hashtag @User don't e.g. 3.14 x2 ABC123def",
	"Ünïcödé ΣΊΣΥΦΟΣ straße İstanbul ǅemal Ⱥ",
	"日本語のテキスト and ١٢٣ digits ½ ⅷ",
	"bad \xff\xfe utf8 \xc3",
	"tab\tnew\nline—dash_underscore",
}

// server is a test server's address and credentials.
type server struct {
	url, user, password string
	client              *http.Client
}

func (s server) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if s.user != "" {
		req.SetBasicAuth(s.user, s.password)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 && !(method == http.MethodDelete && resp.StatusCode == http.StatusNotFound) {
		return nil, fmt.Errorf("%s %s: %w", method, path, searchrest.ResponseError(resp.StatusCode, b))
	}
	return b, nil
}

// CheckAnalyzer creates index on the server cfg names with the settings
// the store uses (searchrest.IndexBody), runs the index's analyzer on
// ContractTexts and on generated corpus documents through the _analyze
// API, and fails t where the tokens differ from search.Tokens. With
// corpusOnly, only the corpus is checked (the standard analyzer meets the
// contract there, not on every text).
func CheckAnalyzer(t *testing.T, cfg searchrest.Config, index string, corpusOnly bool) {
	t.Helper()
	ctx := context.Background()
	s := server{url: cfg.URL, user: cfg.Username, password: cfg.Password, client: &http.Client{Timeout: 30 * time.Second}}
	if _, err := s.do(ctx, http.MethodDelete, "/"+index, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.do(ctx, http.MethodPut, "/"+index, searchrest.IndexBody(cfg.Options)); err != nil {
		t.Fatal(err)
	}
	defer s.do(ctx, http.MethodDelete, "/"+index, nil)
	analyze := func(text string) []string {
		body, _ := json.Marshal(map[string]any{"analyzer": searchrest.AnalyzerName, "text": text})
		b, err := s.do(ctx, http.MethodPost, "/"+index+"/_analyze", body)
		if err != nil {
			t.Fatal(err)
		}
		var resp struct {
			Tokens []struct {
				Token    string `json:"token"`
				Position int    `json:"position"`
			} `json:"tokens"`
		}
		if err := json.Unmarshal(b, &resp); err != nil {
			t.Fatal(err)
		}
		var out []string
		for i, tok := range resp.Tokens {
			if tok.Position != i {
				t.Errorf("%q: token %d %q at position %d", text, i, tok.Token, tok.Position)
			}
			out = append(out, tok.Token)
		}
		return out
	}
	if !corpusOnly {
		for _, text := range ContractTexts {
			if got, want := analyze(text), search.Tokens([]byte(text)); !slices.Equal(got, want) {
				t.Errorf("%q: analyzer %q, contract %q", text, got, want)
			}
		}
	}
	// Documents of the corpus the workload generates (seed 1, the quick
	// scale's vocabulary), one request each.
	c, err := gen.NewCorpus(1, gen.CorpusConfig{Vocabulary: 50000, Docs: 2000})
	if err != nil {
		t.Fatal(err)
	}
	var d gen.CorpusDoc
	for id := range int64(2000) {
		c.Doc(id, &d)
		if got, want := analyze(string(d.Body)), search.Tokens(d.Body); !slices.Equal(got, want) {
			t.Fatalf("document %d %q: analyzer %q, contract %q", id, d.Body, got, want)
		}
	}
}
