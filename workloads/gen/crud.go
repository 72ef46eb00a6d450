package gen

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"sync"
)

// This file holds the generator of the crud pattern's Twitter-like data set:
// users, tweets and likes. Every row is a pure function of (seed, row id),
// drawn from its own random stream, so any share of any table can be made
// without the others and a reader can recompute any row it gets back.
//
// Users have ids 1..Users, loaded tweets ids 1..Tweets. Tweet n is written
// by a user drawn from a zipfian over popularity ranks (rank 0 the most
// prolific author; ranks map to user ids by a seeded bijection so prolific
// users are scattered over the id range) and created at TwitterStart + n-1
// plus a jitter of 0..TwitterJitter-1 seconds: increasing on the whole, with
// neighbouring tweets out of order and created_at ties (resolved by id in
// timelines). The likes of tweet n are TwitterLikeSet(n): Count distinct
// users start, start+step, start+2·step, … (mod Users), Count drawn from a
// discretized Lomax (Pareto II, shape 2.5) law whose mean is LikesPerTweet;
// a tweet's like_count is that Count, so loaded counts and loaded likes agree
// and no (user, tweet) pair repeats. Bodies, bios and names are words of a
// fixed 20 000-word vocabulary drawn with Zipf(1.0) frequencies.

// TwitterStart is the created_at (Unix seconds) of the first loaded tweet:
// 2024-01-01T00:00:00Z. Users are created before it, one a minute.
const TwitterStart int64 = 1704067200

// TwitterJitter bounds the jitter, in seconds, added to a loaded tweet's
// created_at.
const TwitterJitter = 120

// TwitterLikeDelay bounds the delay, in seconds, between a tweet and a
// loaded like of it.
const TwitterLikeDelay = 86400

// TwitterMaxBody is the longest body (in bytes) the generator makes; bodies
// have 8–20 words of at most 6 letters.
const TwitterMaxBody = 20*7 - 1

// TwitterConfig sizes a Twitter data set.
type TwitterConfig struct {
	// Users is the number of users (ids 1..Users), at least 1.
	Users int64
	// Tweets is the number of loaded tweets (ids 1..Tweets).
	Tweets int64
	// LikesPerTweet is the mean number of likes of a tweet.
	LikesPerTweet float64
	// AuthorTheta is the zipfian constant of authorship, in (0, 1).
	AuthorTheta float64
}

// TwitterUser is one generated user. Byte slices are reused by the next
// call that fills the same value.
type TwitterUser struct {
	ID        int64
	Handle    []byte // unique: lower-case first name, "_", decimal id
	Name      []byte
	Bio       []byte
	CreatedAt int64 // Unix seconds
}

// TwitterTweet is one generated tweet.
type TwitterTweet struct {
	ID        int64
	UserID    int64
	Body      []byte
	CreatedAt int64 // Unix seconds
	LikeCount int64
}

// TwitterLike is one generated like.
type TwitterLike struct {
	UserID    int64
	TweetID   int64
	CreatedAt int64 // Unix seconds
}

// Twitter generates a Twitter data set. It is immutable and safe for
// concurrent use; each goroutine makes rows with its own TwitterRows.
type Twitter struct {
	seed       uint64
	cfg        TwitterConfig
	authorZeta float64
	rankMul    uint64 // rank → user index bijection: (rank·rankMul + rankOff) mod Users
	rankOff    uint64
	steps      []uint64 // liker strides, coprime with Users
	invSteps   []uint64 // their inverses mod Users
	likes      twitterAlias
}

// Streams of the row generators: the purpose sits in the top byte, the row
// id below.
const (
	twitterUserStream  = 1 << 56
	twitterMetaStream  = 2 << 56
	twitterLikesStream = 3 << 56
	twitterBodyStream  = 4 << 56
	twitterSetupStream = 5 << 56
	twitterIDMask      = 1<<56 - 1
)

// NewTwitter returns the generator of the data set cfg describes for seed.
// It takes time linear in cfg.Users (the zipfian's zeta).
func NewTwitter(seed uint64, cfg TwitterConfig) (*Twitter, error) {
	switch {
	case cfg.Users < 1 || cfg.Users > 1<<32:
		return nil, fmt.Errorf("twitter: users must be in 1..%d, not %d", int64(1)<<32, cfg.Users)
	case cfg.Tweets < 0 || cfg.Tweets > 1<<40:
		return nil, fmt.Errorf("twitter: tweets must be in 0..%d, not %d", int64(1)<<40, cfg.Tweets)
	case !(cfg.LikesPerTweet >= 0) || cfg.LikesPerTweet > float64(min(cfg.Users, 1<<14))/2:
		return nil, fmt.Errorf("twitter: likes per tweet must be in 0..min(users, 16384)/2, not %v", cfg.LikesPerTweet)
	case !(cfg.AuthorTheta > 0 && cfg.AuthorTheta < 1):
		return nil, fmt.Errorf("twitter: author zipf constant must be in (0, 1), not %v", cfg.AuthorTheta)
	}
	t := &Twitter{seed: seed, cfg: cfg}
	t.authorZeta = Zeta(0, cfg.Users, cfg.AuthorTheta, 0)
	n := uint64(cfg.Users)
	r := NewRand(seed, twitterSetupStream)
	t.rankMul = twitterCoprime(r, n)
	t.rankOff = r.Uint64N(n)
	for range 64 {
		s := twitterCoprime(r, n)
		t.steps = append(t.steps, s)
		t.invSteps = append(t.invSteps, twitterInverse(s, n))
	}
	t.likes, _ = twitterLikesLaw(cfg.LikesPerTweet, cfg.Users)
	return t, nil
}

// twitterCoprime draws a number in [1, n) coprime with n (1 when n <= 2).
func twitterCoprime(r *Rand, n uint64) uint64 {
	if n <= 2 {
		return 1
	}
	for {
		s := 1 + r.Uint64N(n-1)
		if twitterGCD(s, n) == 1 {
			return s
		}
	}
}

func twitterGCD(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// twitterInverse returns the inverse of a modulo n (a coprime with n), by
// the extended Euclidean algorithm.
func twitterInverse(a, n uint64) uint64 {
	if n == 1 {
		return 0
	}
	t, newT := int64(0), int64(1)
	r, newR := int64(n), int64(a%n)
	for newR != 0 {
		q := r / newR
		t, newT = newT, t-q*newT
		r, newR = newR, r-q*newR
	}
	if t < 0 {
		t += int64(n)
	}
	return uint64(t)
}

// twitterMulMod returns a·b mod n without overflow.
func twitterMulMod(a, b, n uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return bits.Rem64(hi, lo, n)
}

// Config returns the data set's configuration.
func (t *Twitter) Config() TwitterConfig { return t.cfg }

// AuthorZeta returns zeta(Users, AuthorTheta), for zipfian draws of author
// ranks (NewZipfianZeta) that follow the authorship distribution.
func (t *Twitter) AuthorZeta() float64 { return t.authorZeta }

// UserOfRank returns the id of the user of popularity rank rank (0 the most
// prolific author), for rank in [0, Users).
func (t *Twitter) UserOfRank(rank int64) int64 {
	n := uint64(t.cfg.Users)
	return 1 + int64((twitterMulMod(uint64(rank), t.rankMul, n)+t.rankOff)%n)
}

// Rows returns a row maker for one goroutine.
func (t *Twitter) Rows() *TwitterRows {
	g := &TwitterRows{t: t}
	g.authors = NewZipfianZeta(&g.r, 0, t.cfg.Users-1, t.cfg.AuthorTheta, t.authorZeta)
	return g
}

// TwitterRows makes the rows of a Twitter data set. It is not safe for
// concurrent use.
type TwitterRows struct {
	t       *Twitter
	r       Rand
	authors *Zipfian // draws from r
}

// User fills dst with user id (1..Users), reusing its byte slices.
func (g *TwitterRows) User(dst *TwitterUser, id int64) {
	g.r.Reset(g.t.seed, twitterUserStream|uint64(id)&twitterIDMask)
	vocab := twitterVocab()
	first := int(g.r.Uint64N(twitterVocabSize))
	last := int(g.r.Uint64N(twitterVocabSize))
	dst.ID = id
	dst.Handle = twitterAppendHandle(dst.Handle[:0], vocab, first, id)
	dst.Name = vocab.appendTitle(dst.Name[:0], first)
	dst.Name = append(dst.Name, ' ')
	dst.Name = vocab.appendTitle(dst.Name, last)
	dst.Bio = g.appendWords(dst.Bio[:0], 4+g.r.IntN(13))
	dst.CreatedAt = TwitterStart - (g.t.cfg.Users-id+1)*60 + g.r.Int64N(60)
}

// AppendHandle appends the handle of user id to dst.
func (g *TwitterRows) AppendHandle(dst []byte, id int64) []byte {
	g.r.Reset(g.t.seed, twitterUserStream|uint64(id)&twitterIDMask)
	return twitterAppendHandle(dst, twitterVocab(), int(g.r.Uint64N(twitterVocabSize)), id)
}

func twitterAppendHandle(dst []byte, v *twitterWords, word int, id int64) []byte {
	dst = v.appendWord(dst, word)
	dst = append(dst, '_')
	return strconv.AppendInt(dst, id, 10)
}

// TweetMeta returns the author and created_at of loaded tweet id
// (1..Tweets) without making the rest of the row.
func (g *TwitterRows) TweetMeta(id int64) (author, createdAt int64) {
	g.r.Reset(g.t.seed, twitterMetaStream|uint64(id)&twitterIDMask)
	author = g.t.UserOfRank(g.authors.Next())
	return author, TwitterStart + id - 1 + g.r.Int64N(TwitterJitter)
}

// Tweet fills dst with loaded tweet id (1..Tweets), reusing its body.
func (g *TwitterRows) Tweet(dst *TwitterTweet, id int64) {
	dst.ID = id
	dst.UserID, dst.CreatedAt = g.TweetMeta(id)
	dst.LikeCount = g.LikeSet(id).Count
	dst.Body = g.AppendBody(dst.Body[:0], id, 0)
}

// AppendBody appends the body of tweet id at version to dst: version 0 is
// the body a tweet is created with (loaded or not); later versions are the
// bodies of edits. Bodies have 8–20 words.
func (g *TwitterRows) AppendBody(dst []byte, id int64, version uint64) []byte {
	g.r.Reset(g.t.seed^Mix64(version), twitterBodyStream|uint64(id)&twitterIDMask)
	return g.appendWords(dst, 8+g.r.IntN(13))
}

// appendWords appends n space-separated words drawn from g.r.
func (g *TwitterRows) appendWords(dst []byte, n int) []byte {
	v := twitterVocab()
	for i := range n {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = v.appendWord(dst, v.freq.sample(&g.r))
	}
	return dst
}

// TwitterLikeSet describes the loaded likes of one tweet: Count distinct
// users with indexes start + k·step mod Users (ids one more), k < Count.
type TwitterLikeSet struct {
	// Tweet is the tweet id.
	Tweet int64
	// Count is the number of loaded likes (the tweet's loaded like_count).
	Count int64
	users uint64
	start uint64
	step  uint64
	inv   uint64
}

// LikeSet returns the loaded likes of tweet id: empty for ids outside
// 1..Tweets.
func (g *TwitterRows) LikeSet(id int64) TwitterLikeSet {
	if id < 1 || id > g.t.cfg.Tweets {
		return TwitterLikeSet{Tweet: id, users: uint64(g.t.cfg.Users), step: 1}
	}
	g.r.Reset(g.t.seed, twitterLikesStream|uint64(id)&twitterIDMask)
	n := uint64(g.t.cfg.Users)
	s := TwitterLikeSet{Tweet: id, users: n}
	s.Count = min(int64(g.t.likes.sample(&g.r)), g.t.cfg.Users)
	s.start = g.r.Uint64N(n)
	i := g.r.IntN(len(g.t.steps))
	s.step, s.inv = g.t.steps[i], g.t.invSteps[i]
	return s
}

// User returns the id of the k-th liker (0 <= k < Count).
func (s TwitterLikeSet) User(k int64) int64 {
	return 1 + int64((s.start+twitterMulMod(uint64(k), s.step, s.users))%s.users)
}

// Has reports whether user (an id) is among the loaded likers.
func (s TwitterLikeSet) Has(user int64) bool {
	if s.Count == 0 || user < 1 || user > int64(s.users) {
		return false
	}
	// user-1 = start + k·step (mod Users)  ⇔  k = (user-1-start)·step⁻¹.
	d := (uint64(user-1) + s.users - s.start) % s.users
	return int64(twitterMulMod(d, s.inv, s.users)) < s.Count
}

// AppendLikes appends the loaded likes of tweet id to dst, in liker order.
// createdAt is the tweet's created_at (from TweetMeta): each like comes
// 1..TwitterLikeDelay seconds after it.
func (g *TwitterRows) AppendLikes(dst []TwitterLike, id, createdAt int64) []TwitterLike {
	s := g.LikeSet(id) // leaves g.r positioned after the set's draws
	for k := range s.Count {
		dst = append(dst, TwitterLike{UserID: s.User(k), TweetID: id, CreatedAt: createdAt + 1 + g.r.Int64N(TwitterLikeDelay)})
	}
	return dst
}

// twitterAlias samples an index with fixed probabilities in constant time
// (Walker's alias method, Vose's construction): an index i uniform over the
// table, kept when a second uniform is below prob[i], otherwise replaced by
// alias[i]. prob holds thresholds scaled by 2^32 so a draw is integer-only.
type twitterAlias struct {
	prob  []uint64
	alias []uint32
}

func newTwitterAlias(weights []float64) twitterAlias {
	n := len(weights)
	total := 0.0
	for _, w := range weights {
		total += w
	}
	a := twitterAlias{prob: make([]uint64, n), alias: make([]uint32, n)}
	p := make([]float64, n)
	var small, large []int
	for i, w := range weights {
		p[i] = float64(w*float64(n)) / total
		if p[i] < 1 {
			small = append(small, i)
		} else {
			large = append(large, i)
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.prob[s] = uint64(p[s] * (1 << 32))
		a.alias[s] = uint32(l)
		p[l] = float64(p[l]+p[s]) - 1
		if p[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	// What is left has probability 1 up to rounding.
	for _, i := range append(small, large...) {
		a.prob[i] = 1 << 32
		a.alias[i] = uint32(i)
	}
	return a
}

func (a *twitterAlias) sample(r *Rand) int {
	x := r.Uint64()
	i := (x >> 32) * uint64(len(a.prob)) >> 32
	if x&(1<<32-1) < a.prob[i] {
		return int(i)
	}
	return int(a.alias[i])
}

// twitterLomaxShape is the shape (tail exponent) of the likes-per-tweet law.
const twitterLomaxShape = 2.5

// twitterLikesLaw returns the law of likes per tweet: floor of a Lomax
// variable of shape 2.5 (P(X >= x) = (1 + x/λ)^-2.5), truncated to
// 0..min(users, 2^14), with λ found by bisection so the mean is mean. It
// returns the law and λ.
func twitterLikesLaw(mean float64, users int64) (twitterAlias, float64) {
	kmax := int(min(users, 1<<14))
	w := make([]float64, kmax+1)
	pmf := func(lambda float64) float64 { // fills w, returns the mean
		if lambda == 0 {
			clear(w)
			w[0] = 1
			return 0
		}
		prev, sum, m := 1.0, 0.0, 0.0
		for k := range kmax + 1 {
			next := 0.0
			if k < kmax {
				next = math.Pow(1+float64(k+1)/lambda, -twitterLomaxShape)
			}
			w[k] = prev - next
			sum += w[k]
			m += float64(float64(k) * w[k]) // no fused multiply-add: same bits everywhere
			prev = next
		}
		return m / sum
	}
	if mean > 0 {
		lo, hi := 0.0, 1.0
		for pmf(hi) < mean && hi < 1e12 {
			lo, hi = hi, hi*2
		}
		for range 100 {
			mid := (lo + hi) / 2
			if pmf(mid) < mean {
				lo = mid
			} else {
				hi = mid
			}
		}
		pmf(hi)
		return newTwitterAlias(w), hi
	}
	pmf(0)
	return newTwitterAlias(w), 0
}

// twitterVocabSize is the number of words of the vocabulary.
const twitterVocabSize = 20000

// twitterWords is the fixed vocabulary: word i is the bijective base-90
// numeral of i written in consonant-vowel syllables ("ba", "be", …, then
// "baba", …), so words are distinct, pronounceable and 2–6 letters long.
// Word ranks are scattered by a fixed permutation so frequent words are not
// all the short ones.
type twitterWords struct {
	text []byte
	off  []uint32 // word i is text[off[i]:off[i+1]]
	freq twitterAlias
}

const (
	twitterConsonants = "bcdfghjklmnprstvwz"
	twitterVowels     = "aeiou"
)

// twitterVocab returns the vocabulary, built once.
var twitterVocab = sync.OnceValue(func() *twitterWords {
	const syl = len(twitterConsonants) * len(twitterVowels) // 90
	v := &twitterWords{off: make([]uint32, 1, twitterVocabSize+1)}
	var buf [8]byte
	for i := range twitterVocabSize {
		// Rank i is the word numbered perm(i): an affine bijection of
		// 0..size-1 (7919 is prime, so coprime with the size).
		n := (i*7919 + 13) % twitterVocabSize
		word := buf[:0]
		for n++; n > 0; n = (n - 1) / syl { // bijective base-90
			d := (n - 1) % syl
			word = append(word, twitterConsonants[d/len(twitterVowels)], twitterVowels[d%len(twitterVowels)])
		}
		v.text = append(v.text, word...)
		v.off = append(v.off, uint32(len(v.text)))
	}
	w := make([]float64, twitterVocabSize)
	for i := range w {
		w[i] = 1 / float64(i+1) // Zipf(1.0)
	}
	v.freq = newTwitterAlias(w)
	return v
})

func (v *twitterWords) appendWord(dst []byte, i int) []byte {
	return append(dst, v.text[v.off[i]:v.off[i+1]]...)
}

func (v *twitterWords) appendTitle(dst []byte, i int) []byte {
	n := len(dst)
	dst = v.appendWord(dst, i)
	dst[n] -= 'a' - 'A'
	return dst
}
