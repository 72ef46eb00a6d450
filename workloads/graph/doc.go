// Package graph is the graph access pattern: a directed "follows" graph of
// users (who follows whom, as on Twitter) and the queries a social
// application asks of it — neighbours, friends of friends, who to follow,
// a bounded shortest path, and the deep traversals where graph stores are
// expected to pull ahead as the graph grows: the size of a 3- or 4-hop
// neighbourhood (reach) and variable-length paths.
//
// # Data
//
// One edge table, follows(src, dst): src follows dst. Users are implicit
// (ids 0 … users-1, no users table); there are no self loops and no
// duplicate edges. The quick scale has 10 000 users with a mean out-degree
// of 10 (≈ 100 000 edges), the full scale 1 000 000 users with a mean of 20
// (≈ 20 million edges). A scale factor f gives 10 000·f users of mean
// out-degree 10·f^0.15 (to two decimals): follow graphs densify as they grow
// (Leskovec, Kleinberg and Faloutsos, KDD 2005), and along this curve full
// is factor 100 — edges grow as users^1.15.
//
// Out-degrees follow a capped discrete power law of exponent 2.1: a user
// follows nobody with probability zerofraction (2%), and otherwise k users
// with P(k) ∝ k^-2.1 from a small lower bound up to maxdegree (1 000 quick,
// 5 000 full — Twitter's follow limit), the bound and a mixing weight set so
// the mean is exactly meandegree (see gen.Follows). Whom a user follows is
// drawn from a zipfian popularity (constant 0.9, so in-degrees get a power
// law tail of exponent ≈ 2.1 too) over a scrambled id order, without
// repeats. The edges of a user are a pure function of (seed, user id), so
// Load's part/parts shares (contiguous ranges of source users), Export and
// the validation reference all see the same graph.
//
// # Operations
//
// Each operation picks its user u (and target v) uniformly from the loaded
// ids, so some ask about users who follow nobody.
//
//	variant           mix   operation
//	graph/mix         40%   neighbours: the set of users u follows
//	                  30%   fof: the number of distinct users exactly two
//	                        hops from u, excluding u and u's followees
//	                  20%   wtf: who to follow, the top 10 friends of friends
//	                        of u by the number of u's followees who follow
//	                        them, ties by id ascending
//	                  10%   path: length of a shortest directed path u → v
//	                        of at most 4 hops, -1 if none, 0 if u == v
//	graph/neighbours  100%  neighbours
//	graph/fof         100%  fof
//	graph/wtf         100%  wtf
//	graph/path        100%  path
//	graph/reach       100%  reach: the number of distinct users reachable
//	                        from u by a path of 1 to 3 hops (reachhops),
//	                        u excluded — its 3-hop neighbourhood
//	graph/deep        50%   reach within 3 hops
//	                  50%   path of at most 4 hops
//
// The mix only reads, so workers never collide; worker w's stream depends
// only on (seed, w).
//
// # Options
//
// Every setting is an option (--set name=value or a suite's options):
// table, users, meandegree, exponent, maxdegree (0: min(5000,
// max(users/10, 4·meandegree))), zerofraction, popularity, maxhops (4),
// topk (10), reachhops (3), neighboursproportion, fofproportion,
// wtfproportion, pathproportion, reachproportion, loadbatch (edges per
// LoadEdges call, 1000).
//
// # Validation
//
// Validate answers a fixed sample of queries from a reference that does not
// hold the graph: a user's followees are a pure function of the seed and
// the user, so the reference regenerates them as a query needs them,
// caching the first users' followees up to 16 M edges (64 MB; the whole
// graph up to about factor 80). Its memory is bounded at any scale: the
// cache, one byte per user for a breadth-first search's distances, and the
// sets one query touches. The sample: users spread over the id range,
// users who follow nobody, the three biggest out-degree hubs, the three
// most popular users (the first popularity ranks, their followers counted
// in one pass), a user with fewer than topk candidates and an id outside
// the graph (empty answers), each asked neighbours, fof and wtf (also with
// k = 0, 1, 3); when the mix has reach, the reach of a few of them within 1
// … reachhops hops, with a bound of 0 and from a user who follows nobody;
// paths from a few sources to a target at every distance 1 … maxhops+2
// (found by a breadth-first search of maxhops+2 levels), to a user nobody
// follows (among the last popularity ranks), to oneself, with a tighter and
// a looser bound, from and to unknown ids, and between random pairs.
// Neighbours are compared as sets, counts and path lengths exactly,
// who-to-follow lists in order. Queries lists the same queries with their
// answers for `storefit gen`.
package graph
