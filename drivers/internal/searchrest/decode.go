package searchrest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/storefit/storefit/workloads/search"
)

// searchResponse is the part of a search response the store reads.
type searchResponse struct {
	Hits struct {
		Total *struct {
			Value    int64  `json:"value"`
			Relation string `json:"relation"`
		} `json:"total"`
		Hits []struct {
			ID    string   `json:"_id"`
			Score *float64 `json:"_score"`
		} `json:"hits"`
	} `json:"hits"`
}

// DecodeSearch reads a search response: the total hit count (-1 if absent
// or only a lower bound) and the hits, appended to dst.
func DecodeSearch(r io.Reader, dst search.Hits) (int64, search.Hits, error) {
	var resp searchResponse
	if err := json.NewDecoder(r).Decode(&resp); err != nil {
		return -1, dst, fmt.Errorf("read search response: %w", err)
	}
	total := int64(-1)
	if t := resp.Hits.Total; t != nil && t.Relation == "eq" {
		total = t.Value
	}
	for _, h := range resp.Hits.Hits {
		id, err := ParseID(h.ID)
		if err != nil {
			return total, dst, err
		}
		if h.Score == nil {
			return total, dst, fmt.Errorf("hit %s has no score", h.ID)
		}
		dst = append(dst, search.Hit{ID: id, Score: *h.Score})
	}
	return total, dst, nil
}

// errorResponse is an error answer of the REST API.
type errorResponse struct {
	Error struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"error"`
}

// ResponseError makes one line of an error answer: the status and, when
// the body is the API's error object, its type and reason; else the start
// of the body.
func ResponseError(status int, body []byte) error {
	var e errorResponse
	if json.Unmarshal(body, &e) == nil && e.Error.Type != "" {
		return fmt.Errorf("%d %s: %s: %s", status, http.StatusText(status), e.Error.Type, OneLine(e.Error.Reason))
	}
	msg := OneLine(string(body))
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	if msg == "" {
		return fmt.Errorf("%d %s", status, http.StatusText(status))
	}
	return fmt.Errorf("%d %s: %s", status, http.StatusText(status), msg)
}

var spaces = regexp.MustCompile(`\s*\n\s*`)

// OneLine joins a multi-line message into one line.
func OneLine(s string) string { return spaces.ReplaceAllString(strings.TrimSpace(s), "; ") }

// OneLineErr shows an error on one line and unwraps to it, so errors.Is
// still finds context.DeadlineExceeded and the like.
type OneLineErr struct{ Err error }

func (e OneLineErr) Error() string { return OneLine(e.Err.Error()) }
func (e OneLineErr) Unwrap() error { return e.Err }

// ConnectHint returns a hint for a failure to reach a server, or "";
// start is how to start one ("compose/native/opensearch.sh start").
func ConnectHint(start string, err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "connection refused"):
		return "is the server running? " + start
	case strings.Contains(msg, "401"):
		return "wrong or missing user and password in the DSN"
	case strings.Contains(msg, "timeout") || strings.Contains(msg, "deadline exceeded"):
		return "no answer in time; check the address"
	case strings.Contains(msg, "certificate"):
		return "TLS certificate not trusted; insecure=true skips the check"
	case strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		return "the server speaks http://, not https://"
	}
	return ""
}
