// Package search is the search access pattern: full-text queries over a
// corpus of tweets — one term in three frequency bands, AND and OR of two
// terms, and a phrase of two adjacent words — each asked as an exact hit
// count and as the top 10 by relevance.
//
// # Data
//
// One index ("tweets") of documents id, user_id, created_at, body; ids are
// 0 … records-1 (quick 100 000, full 10 000 000). gen.Corpus generates
// them: a body has 8 … 30 words (uniform) drawn from a vocabulary of
// 50 000 made-up words whose frequencies follow Zipf's law with exponent 1
// (rank r drawn with probability ∝ 1/r), dressed up with capitals,
// punctuation, "#"/"@" prefixes and hyphens so that a store's analyzer
// matters. user_id is uniform over records/10 authors; created_at spreads
// over 2024 in id order. Every document is a pure function of (seed, id),
// so loaders split the ids into part/parts ranges and Validate can
// regenerate any document a store returns.
//
// # Analyzer contract
//
// Every store indexes body with the same analyzer (Tokens): lowercase,
// split on anything that is not a letter or a decimal digit, no stemming, no
// stop words. A token's position is its index among the body's tokens;
// punctuation leaves no gaps. Query terms are given already analyzed and
// are matched exactly.
//
// # Query semantics
//
//	term(t)      documents containing t
//	and(a, b)    documents containing a and b
//	or(a, b)     documents containing a or b (or both)
//	"a b"        documents in which b is the token right after an a
//
// # Relevance: BM25
//
// The reference ranking is BM25 with k1 = 1.2 and b = 0.75, as Lucene
// computes it (without Lucene's lossy length encoding). For a query with
// terms t1 … tm (all kinds, the phrase's words included) a matching
// document d scores
//
//	score(d) = Σ_i  idf(t_i) · tf(t_i, d) / (tf(t_i, d) + k1 · (1 − b + b · dl(d)/avgdl))
//	idf(t)   = ln(1 + (N − n(t) + 0.5) / (n(t) + 0.5))
//
// where tf(t, d) is the number of occurrences of t among d's tokens, dl(d)
// the number of tokens of d, N the number of documents in the index, n(t)
// the number of documents containing t, and avgdl the total number of
// tokens divided by N. A term no document has contributes 0. The sum runs
// over the query's terms in order, with repeats (a phrase "a a" counts a
// twice). The reference top k is the k best by score, ties broken by
// ascending id. IDF, AvgDL and BM25 implement the formulas; the memory
// oracle uses them so its floats match the reference's bit for bit.
//
// # Workloads and mix
//
// search/mix draws each of its 12 operation kinds with equal weight (1/12,
// 8.3%): term-rare, term-medium, term-common, and, or, phrase, each as
// "-count" (Store.Count, the exact number of hits) and "-top10"
// (Store.Search, the 10 best hits; the suffix follows the topk option).
// search/boolean is the same without the two phrase kinds (10 kinds, 1/10
// each), for stores without term positions (no Phraser).
//
// Parameters, drawn from the worker's own random stream (seed, worker id):
//
//	term-<band>  one rank uniform in the band: common 10 … 100, medium
//	             1 000 … 5 000, rare 20 000 … 50 000 (for a vocabulary
//	             of v words: v/5000 … v/500, v/50 … v/10, 2v/5 … v; rare
//	             words occur a few times at quick scale, some not at all)
//	and          two distinct ranks of the common band
//	or           one rank of the common band, one of the medium band
//	phrase       two adjacent words of a document drawn uniformly from
//	             the loaded ones (so at least one hit)
//
// The mix only reads, so worker streams never interact.
//
// # Validation
//
// Validate asks a fixed query set: validationqueries (8) queries of each
// shape of the mix, drawn as workers draw them from a validation stream,
// plus edge cases — a word in no document, the most frequent word, AND
// and OR with a missing word, OR of the two most frequent words, and for
// mix a reversed phrase, a phrase of the most frequent word twice, and a
// phrase with a missing word. The reference answers are computed by
// streaming the generated corpus twice, without indexing it: the first
// pass counts documents, tokens, each query term's document frequency and
// each query's hits; the second scores every matching document with BM25
// and keeps each query's top k. Memory stays proportional to the
// vocabulary.
//
// Checked (pass/fail): every hit count exactly; every ranked answer has
// min(k, count) hits, no document twice, each an existing document that
// matches the query (regenerated from its id), with non-increasing scores.
// Measured (not pass/fail), as Validation.Figures:
//
//	relevance_agreement       mean over queries with hits of |store top k ∩
//	                          reference top k| / |reference top k|
//	relevance_agreement_ties  the same, counting a store hit as agreeing
//	                          when its reference score is at least the k-th
//	                          reference score (another order among tied
//	                          documents is not a disagreement)
//	relevance_queries         the number of queries averaged
//
// Queries lists the same set with the reference answers (`storefit gen
// --queries`): "count" (exact) and "topk" (hits with scores, in reference
// order).
//
// # Options
//
// Set with --set name=value or a suite's options: index, records,
// vocabulary (at least 5 000), minwords (at least 2), maxwords, users,
// topk, loadbatch, validationqueries.
package search
