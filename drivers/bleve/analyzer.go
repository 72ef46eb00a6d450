package bleve

import (
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/registry"
)

// Names under which the analyzer contract is registered with bleve.
const (
	// TokenizerName is the contract tokenizer's name in bleve's registry.
	TokenizerName = "storefit_contract"
	// AnalyzerName is the name of the custom analyzer, made of the
	// tokenizer alone, in every index mapping.
	AnalyzerName = "storefit"
)

func init() {
	err := registry.RegisterTokenizer(TokenizerName, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
		return Tokenizer{}, nil
	})
	if err != nil {
		panic(err)
	}
}

// analyzerConfig is the custom analyzer of the index mappings: the
// contract tokenizer, no char filters, no token filters (no stemming, no
// stop words).
var analyzerConfig = map[string]any{
	"type":      custom.Name,
	"tokenizer": TokenizerName,
}

// Tokenizer is the analyzer contract of package search (search.Tokens) as a
// bleve tokenizer: tokens are maximal runs of letters (Unicode L) and
// decimal digits (Nd), lowercased rune by rune with unicode.ToLower;
// anything else, invalid UTF-8 included, separates tokens. Positions count
// tokens from 1 with no gaps; Start and End are byte offsets in the input.
// It lowercases itself, rather than through bleve's lowercase filter, so
// that the terms are those of search.Tokens by construction.
type Tokenizer struct{}

// Tokenize splits input into tokens.
func (Tokenizer) Tokenize(input []byte) analysis.TokenStream {
	// First pass: the lowercased terms, back to back in one buffer, and
	// where each starts and ends in the buffer and in the input.
	type span struct{ start, end, bufEnd int }
	var spans []span
	buf := make([]byte, 0, len(input))
	start := -1
	for i := 0; i < len(input); {
		r, size := rune(input[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(input[i:])
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			if r < utf8.RuneSelf {
				if 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
				buf = append(buf, byte(r))
			} else {
				buf = utf8.AppendRune(buf, unicode.ToLower(r))
			}
		} else if start >= 0 {
			spans = append(spans, span{start, i, len(buf)})
			start = -1
		}
		i += size
	}
	if start >= 0 {
		spans = append(spans, span{start, len(input), len(buf)})
	}
	// Second pass: the tokens, in one allocation, their terms slicing the
	// final buffer.
	toks := make([]analysis.Token, len(spans))
	out := make(analysis.TokenStream, len(spans))
	from := 0
	for i, s := range spans {
		toks[i] = analysis.Token{
			Start:    s.start,
			End:      s.end,
			Term:     buf[from:s.bufEnd:s.bufEnd],
			Position: i + 1,
			Type:     analysis.AlphaNumeric,
		}
		if isDigits(toks[i].Term) {
			toks[i].Type = analysis.Numeric
		}
		out[i] = &toks[i]
		from = s.bufEnd
	}
	return out
}

// isDigits reports whether term is all ASCII digits.
func isDigits(term []byte) bool {
	for _, b := range term {
		if b < '0' || b > '9' {
			return false
		}
	}
	return true
}
