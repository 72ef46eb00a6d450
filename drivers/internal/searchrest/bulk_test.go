package searchrest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// Bulk bodies are NDJSON pairs (action, source), cut near the size asked
// for, and together hold every document once.
func TestBulkBodies(t *testing.T) {
	var docs []BulkDoc
	for i := range 100 {
		docs = append(docs, BulkDoc{ID: string(rune('a'+i%26)) + `"` + strings.Repeat("x", i%3), Source: []byte(`{"body":"some words"}`)})
	}
	bodies, counts := BulkBodies(docs, 1000)
	if len(bodies) < 3 {
		t.Fatalf("%d bodies for %d documents of 1000 bytes at most", len(bodies), len(docs))
	}
	total := 0
	for i, b := range bodies {
		sc := bufio.NewScanner(bytes.NewReader(b))
		lines := 0
		for sc.Scan() {
			var v map[string]any
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatalf("body %d line %d: %v: %s", i, lines, err, sc.Bytes())
			}
			if lines%2 == 0 {
				id := v["index"].(map[string]any)["_id"].(string)
				if id != docs[total+lines/2].ID {
					t.Fatalf("id %q, want %q", id, docs[total+lines/2].ID)
				}
			}
			lines++
		}
		if lines != 2*counts[i] {
			t.Errorf("body %d: %d lines for %d documents", i, lines, counts[i])
		}
		total += counts[i]
	}
	if total != len(docs) {
		t.Errorf("%d documents in the bodies, want %d", total, len(docs))
	}
}

func TestDecodeBulk(t *testing.T) {
	ok := `{"took":3,"errors":false,"items":[{"index":{"_id":"1","status":201}},{"index":{"_id":"2","status":200}}]}`
	if err := DecodeBulk(strings.NewReader(ok), 2); err != nil {
		t.Errorf("success: %v", err)
	}
	for _, tc := range []struct{ body, want string }{
		{`{"errors":true,"items":[{"index":{"_id":"1","status":201}},{"index":{"_id":"2","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed\n to parse"}}}]}`,
			"1 of 2 documents failed; first: document 2: mapper_parsing_exception: failed; to parse"},
		{`{"errors":false,"items":[{"index":{"_id":"1","status":201}}]}`, "1 of 2 documents indexed"},
		{`not json`, "bulk answer"},
	} {
		err := DecodeBulk(strings.NewReader(tc.body), 2)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DecodeBulk(%s) = %v, want %q", tc.body, err, tc.want)
		}
	}
}
