package search

import (
	"math"
	"unicode"
	"unicode/utf8"
)

// Tokens returns the tokens of text under the analyzer contract every store
// configures: maximal runs of letters (Unicode category L) and decimal
// digits (Nd), lowercased (unicode.ToLower); everything else separates
// tokens and is dropped. No stemming, no stop words, no length limit. A
// token's position is its index in the result, so punctuation leaves no
// gaps: in "Foo, bar-baz!" the tokens foo, bar, baz sit at 0, 1, 2.
//
// The generated corpus is ASCII, where this is also what Lucene's standard
// tokenizer with a lowercase filter produces (the corpus never puts a
// period or apostrophe between two letters or digits, where UAX #29 would
// keep a word together).
func Tokens(text []byte) []string { return AppendTokens(nil, text) }

// AppendTokens appends the tokens of text to dst.
func AppendTokens(dst []string, text []byte) []string {
	var tok []byte
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(text[i:])
		}
		i += size
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			tok = utf8.AppendRune(tok, unicode.ToLower(r))
			continue
		}
		if len(tok) > 0 {
			dst = append(dst, string(tok))
			tok = tok[:0]
		}
	}
	if len(tok) > 0 {
		dst = append(dst, string(tok))
	}
	return dst
}

// BM25 parameters: Lucene's and Elasticsearch's defaults.
const (
	K1 = 1.2
	B  = 0.75
)

// IDF returns the inverse document frequency of a term that occurs in df of
// n documents, as Lucene computes it: ln(1 + (n − df + 0.5)/(df + 0.5)).
func IDF(n, df int64) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// AvgDL returns the average document length: tokens / n, the total number
// of tokens of n documents divided by n (0 when n is 0).
func AvgDL(tokens, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(tokens) / float64(n)
}

// BM25 returns a term's BM25 score in one document, as Lucene (8 and
// later) computes it:
//
//	idf · tf / (tf + K1 · (1 − B + B · dl/avgdl))
//
// with idf = IDF(n, df), tf the term's occurrences in the document and dl
// the document's length in tokens. It is 0 when tf is 0. (Classic BM25 also
// multiplies by K1+1, which changes no ranking.) The explicit conversions
// keep the compiler from fusing multiply-adds, so the value is the same on
// every machine.
func BM25(idf float64, tf, dl int64, avgdl float64) float64 {
	if tf == 0 {
		return 0
	}
	norm := float64(K1 * (1 - B + float64(B*float64(dl))/avgdl))
	f := float64(tf)
	return float64(idf*f) / (f + norm)
}
