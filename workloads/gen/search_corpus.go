package gen

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// CorpusConfig describes a Corpus. Zero fields take the defaults named.
type CorpusConfig struct {
	// Docs is the number of documents; their ids are 0 … Docs-1.
	Docs int64
	// Vocabulary is the number of distinct words (default 50 000).
	Vocabulary int
	// Exponent is the Zipf exponent s of word draws: the word of rank r is
	// drawn with probability proportional to 1/r^s (default 1).
	Exponent float64
	// MinWords and MaxWords bound the number of words of a body, drawn
	// uniformly from MinWords … MaxWords (defaults 8 and 30).
	MinWords, MaxWords int
	// Users is the number of authors; user ids are uniform in
	// [0, Users) (default Docs/10, at least 1).
	Users int64
	// Start is the creation time of document 0 (default 2024-01-01 UTC);
	// documents are spread over Span (default 365 days) in id order.
	Start time.Time
	Span  time.Duration
}

func (c *CorpusConfig) fill() error {
	if c.Vocabulary == 0 {
		c.Vocabulary = 50_000
	}
	if c.Exponent == 0 {
		c.Exponent = 1
	}
	if c.MinWords == 0 && c.MaxWords == 0 {
		c.MinWords, c.MaxWords = 8, 30
	}
	if c.Users == 0 {
		c.Users = max(1, c.Docs/10)
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if c.Span == 0 {
		c.Span = 365 * 24 * time.Hour
	}
	switch {
	case c.Docs < 0:
		return fmt.Errorf("corpus: %d documents", c.Docs)
	case c.Vocabulary < 1 || c.Vocabulary > 1_000_000:
		return fmt.Errorf("corpus: vocabulary %d not in 1 … 1000000", c.Vocabulary)
	case !(c.Exponent > 0 && c.Exponent <= 10):
		return fmt.Errorf("corpus: zipf exponent %v not in (0, 10]", c.Exponent)
	case c.MinWords < 1 || c.MaxWords < c.MinWords || c.MaxWords > 10_000:
		return fmt.Errorf("corpus: words per document %d … %d (need 1 ≤ min ≤ max ≤ 10000)", c.MinWords, c.MaxWords)
	case c.Users < 1:
		return fmt.Errorf("corpus: %d users", c.Users)
	case c.Span < time.Second:
		return errors.New("corpus: span shorter than a second")
	}
	return nil
}

// Random stream numbers of a corpus (with the corpus seed): one for the
// vocabulary, and one per document above corpusDocStream.
const (
	corpusVocabStream = 0x5ea4c4_0000_0000
	corpusDocStream   = 0x5ea4c4_0000_0001
)

// Corpus generates tweet-like documents: bodies of MinWords … MaxWords words
// drawn from a vocabulary with Zipf-distributed frequencies, each with an
// author and a creation time.
//
// The vocabulary is Vocabulary distinct made-up words of lowercase ASCII
// letters (pronounceable syllables), a few percent of them with a one- or
// two-digit suffix ("kalo42"); it depends only on the seed. Words are ordered
// by length, shorter first (stable), and the word at position r is rank r:
// the most frequent words are the shortest, as in natural language.
//
// Bodies dress words up so a store's analyzer matters: about 10% start with
// a capital letter and 1% are all capitals, 2% carry a "#", "@" or quote
// prefix, 10% a trailing punctuation mark (",", ".", "!", "?", ":", "..."),
// and 2% of word pairs are joined by "-" instead of a space. Analyzed as
// lowercase runs of letters and digits, a body gives back exactly its words,
// in order, and nothing else.
//
// Document id is a pure function of (seed, configuration, id): generating a
// share of the ids gives the same documents as generating them all, so a
// corpus can be generated in parallel parts, streamed, or regenerated to
// check an answer. A Corpus is read-only after NewCorpus and safe for
// concurrent use.
type Corpus struct {
	seed  uint64
	cfg   CorpusConfig
	words []string // words[r-1] is the word of rank r
	ranks map[string]int
	zipf  *CorpusZipf
	// spanSec is Span in whole seconds.
	spanSec int64
}

// CorpusDoc is one generated document. Doc and AppendRanks reuse its
// slices.
type CorpusDoc struct {
	ID        int64
	UserID    int64
	CreatedAt time.Time
	// Body is the text, words dressed up with case and punctuation.
	Body []byte
	// Ranks are the vocabulary ranks of the body's words, in order: the
	// body's tokens are Word(Ranks[0]), Word(Ranks[1]), ….
	Ranks []int32
}

// NewCorpus returns the corpus of seed and cfg (defaults filled in). It
// builds the vocabulary and the Zipf table, which takes a few milliseconds
// for 50 000 words.
func NewCorpus(seed uint64, cfg CorpusConfig) (*Corpus, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	c := &Corpus{seed: seed, cfg: cfg, spanSec: int64(cfg.Span / time.Second)}
	c.words = corpusVocabulary(seed, cfg.Vocabulary)
	c.ranks = make(map[string]int, len(c.words))
	for i, w := range c.words {
		c.ranks[w] = i + 1
	}
	c.zipf = NewCorpusZipf(cfg.Vocabulary, cfg.Exponent)
	return c, nil
}

// corpusVocabulary returns n distinct words ordered by length.
func corpusVocabulary(seed uint64, n int) []string {
	const consonants = "bcdfghjklmnprstvwz"
	const vowels = "aeiou"
	r := NewRand(seed, corpusVocabStream)
	seen := make(map[string]bool, n)
	words := make([]string, 0, n)
	var b []byte
	for len(words) < n {
		b = b[:0]
		var syl int
		switch p := r.IntN(100); {
		case p < 15:
			syl = 1
		case p < 55:
			syl = 2
		case p < 90:
			syl = 3
		default:
			syl = 4
		}
		for range syl {
			b = append(b, consonants[r.IntN(len(consonants))], vowels[r.IntN(len(vowels))])
			if r.IntN(5) == 0 {
				b = append(b, consonants[r.IntN(len(consonants))])
			}
		}
		if r.IntN(100) < 3 {
			d := r.IntN(100)
			if d >= 10 {
				b = append(b, byte('0'+d/10))
			}
			b = append(b, byte('0'+d%10))
		}
		if seen[string(b)] {
			continue
		}
		w := string(b)
		seen[w] = true
		words = append(words, w)
	}
	slices.SortStableFunc(words, func(a, b string) int { return len(a) - len(b) })
	return words
}

// Config returns the configuration with defaults filled in.
func (c *Corpus) Config() CorpusConfig { return c.cfg }

// Vocabulary returns the number of words.
func (c *Corpus) Vocabulary() int { return len(c.words) }

// Word returns the word of rank r (1 ≤ r ≤ Vocabulary).
func (c *Corpus) Word(r int) string { return c.words[r-1] }

// Rank returns the rank of word, or 0 if it is not in the vocabulary.
func (c *Corpus) Rank(word string) int { return c.ranks[word] }

// Zipf returns the rank distribution of word draws.
func (c *Corpus) Zipf() *CorpusZipf { return c.zipf }

// PartRange returns the document ids [lo, hi) of share part of parts.
func (c *Corpus) PartRange(part, parts int) (lo, hi int64) {
	return c.cfg.Docs * int64(part) / int64(parts), c.cfg.Docs * int64(part+1) / int64(parts)
}

// Doc generates document id into d, reusing d's slices.
func (c *Corpus) Doc(id int64, d *CorpusDoc) { c.generate(id, d, true) }

// AppendRanks appends the ranks of document id's words to dst, without
// building its body.
func (c *Corpus) AppendRanks(dst []int32, id int64) []int32 {
	d := CorpusDoc{Ranks: dst}
	c.generate(id, &d, false)
	return d.Ranks
}

// corpusPunct are the trailing punctuation marks; a word gets mark p when
// its punctuation draw p (0 … 99) is below len(corpusPunct), so 10% of
// words end in one.
var corpusPunct = [...]string{",", ",", ",", ".", ".", ".", "!", "?", ":", "..."}

// generate draws document id: its length, author and time, then per word
// one variate for the rank and one 64-bit word whose bytes decide the
// decorations (separator, prefix, case, trailing punctuation), so the ranks
// are the same whether or not the body is built.
func (c *Corpus) generate(id int64, d *CorpusDoc, body bool) {
	var r Rand
	r.Reset(c.seed, corpusDocStream+uint64(id))
	n := c.cfg.MinWords + r.IntN(c.cfg.MaxWords-c.cfg.MinWords+1)
	d.ID = id
	d.UserID = r.Int64N(c.cfg.Users)
	docs := max(c.cfg.Docs, 1)
	step := max(c.spanSec/docs, 1)
	sec := c.spanSec*id/docs + r.Int64N(step)
	d.CreatedAt = c.cfg.Start.Add(time.Duration(sec) * time.Second)
	d.Ranks = d.Ranks[:0]
	d.Body = d.Body[:0]
	punct := false // the previous word ended in punctuation
	for i := range n {
		rank := c.zipf.Rank(r.Float64())
		y := r.Uint64()
		d.Ranks = append(d.Ranks, int32(rank))
		if !body {
			continue
		}
		if i > 0 {
			if !punct && y%100 < 2 {
				d.Body = append(d.Body, '-')
			} else {
				d.Body = append(d.Body, ' ')
			}
		}
		switch (y >> 8) % 100 {
		case 0:
			d.Body = append(d.Body, '#')
		case 1:
			d.Body = append(d.Body, '@')
		case 2:
			d.Body = append(d.Body, '"')
		}
		w := c.words[rank-1]
		start := len(d.Body)
		d.Body = append(d.Body, w...)
		switch cs := (y >> 16) % 100; {
		case cs < 10:
			d.Body[start] = upper(d.Body[start])
		case cs == 10:
			for j := start; j < len(d.Body); j++ {
				d.Body[j] = upper(d.Body[j])
			}
		}
		p := (y >> 24) % 100
		punct = p < uint64(len(corpusPunct))
		if punct {
			d.Body = append(d.Body, corpusPunct[p]...)
		}
	}
}

func upper(b byte) byte {
	if 'a' <= b && b <= 'z' {
		return b - 'a' + 'A'
	}
	return b
}
