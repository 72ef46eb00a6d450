// Package twitter is the twitter scenario: the whole application of the
// seed's example — users, tweets and likes, a follows graph, tweet search,
// cached timelines and an analytics dashboard — run as one operation mix
// over a placement that says which store serves which operation family and
// how writes reach the derived stores.
//
// # Data set
//
// The crud data set (gen.Twitter: users 1..users, tweets 1..tweets with
// zipf-skewed authorship, likes) plus a follows graph over the same users
// (gen.Follows, power-law out-degrees of mean meandegree, generator id i is
// user i+1). Quick scale: 10 000 users, 100 000 tweets, ~300 000 likes,
// ~100 000 follows; full ×100.
//
// # Roles and derived views
//
// An App (app.go) composes typed pattern stores, one per role:
//
//	role           pattern       holds
//	source         crud.Store    users, tweets, likes (system of record)
//	cache          wide.Store    timeline pages: row = user, column 0 = ids
//	search         search.Store  tweets (view of source)
//	follows        graph.Store   follows (system of record)
//	who_to_follow  graph.Store   follows (view of follows), optional
//	dashboard      agg.Store     one row per tweet and per like (view of source)
//	inbox          Inboxes       home timelines pushed per follower (view of
//	                             source and follows), fan-out on write only
//
// Home timelines (Options.Home, home.go) are served by fan-out on read
// (HomeSource: a LATERAL join in PostgreSQL, else the stores' calls
// merged), fan-out on write (the inbox view, fed by the sync strategy) or
// the hybrid (celebrities — more than HomeThreshold followers when the
// load finished — read on demand and merged with the inbox).
//
// Analytics rows: a tweet is a sale of category 0, product = tweet id,
// customer = author, quantity 1, price 0; a like is a sale of category 1,
// product = liked tweet, customer = liker, quantity 1, price 1, id 2^60 +
// tweet·2^20 + user. The dashboard of a window [from, to) is then the
// tweets posted (CategoryQuantity of 0), the likes given (of 1), and the ten
// most liked tweets by likes given in the window (TopProducts).
//
// Loading writes the source and builds every view in bulk from the same
// rows; nothing goes through sync.
//
// # Operation mix (twitter/mix)
//
//	operation      share  route
//	home            30%   the 20 newest tweets of the users one follows:
//	                      fan-out on read, inbox, or both (hybrid)
//	timeline        10%   cache; on a miss the source, then fill the cache
//	read_tweet      15%   source
//	post_tweet       5%   source, invalidate the author's cached page
//	                      (cache-aside in the writer, or by the sync
//	                      strategy), sync to search, dashboard and the
//	                      followers' inboxes
//	like            10%   source (insert + like_count, atomically), sync to
//	                      dashboard
//	follow           3%   follows, sync to who_to_follow when separate
//	                      and to the inbox (the followee's newest tweets)
//	search          12%   search: top 10 of a term (70%) or AND of two terms
//	who_to_follow    8%   who_to_follow view, or follows
//	dashboard        7%   dashboard: one window (dashboardhours, 24 by default):
//	                      half the time the current one (where the run's
//	                      writes land), half a past one
//
// Proportions are options (homeproportion, timelineproportion, readtweetproportion,
// posttweetproportion, likeproportion, followproportion, searchproportion,
// whotofollowproportion, dashboardproportion), as are users, tweets,
// likespertweet, authorzipf, meandegree, followzipf (the followers' power
// law: celebrities), timelinelimit, dashboardhours,
// loadbatch and oraclemaxrows. Follow uses the graph pattern's LoadEdges
// with one edge (the pattern has no single-edge insert), so its latency is
// the store's load path for one row. Users read (timelines, suggestions) and authors follow the
// authorship popularity; workers like and follow as users of their own
// class (1+id, 1+id+n, …) and never repeat a pair or a loaded one, so no
// write is a duplicate; posted tweet ids and simulated times are
// partitioned between workers as in crud/mix.
//
// # Sync and staleness
//
// Every write goes through the App's sync engine (package syncer: the
// same strategies the sync workload compares): the App is the engine's
// source (Exec runs the write on its stores) and its derived views are the
// engine's sinks (Sinks: search, dashboard, who-to-follow, and the timeline
// cache when the strategy invalidates it, Options.CacheBySync). Dual
// writes apply a change in the writer before the operation returns; the
// other strategies (transactional outbox, logical-decoding CDC, Debezium,
// a materialized view's scheduled refresh, an in-process relay) apply it
// later, each view once however often their log repeats it (after a relay
// or consumer restart: Stats.Replays). The engine's ledger holds each
// change pending for each view from the source write until the view
// applied it, and the App classifies every read of a view as it begins:
//
//   - behind: the view had changes pending (an upper bound on stale
//     answers);
//   - stale: a pending change alters the answer the oracle would give now —
//     a posted tweet that matches the search (its hit count differs), a
//     tweet or like inside the dashboard's window, a follow by the user
//     asking who to follow, a post by the author of a cached timeline page.
//     Exact for search counts, dashboards and cached pages; a lower bound
//     for who-to-follow, where follows by the user's followees also change
//     scores but finding them would take a source read inside the timed
//     call.
//
// So a stale answer is one that equals the oracle's answer as of the last
// applied change but not as of now: it is counted and reported (stale
// fraction = stale / reads per view), never hidden, and never counted as
// wrong. The time from the source write to its application is the lag
// (mean and max per view; changes still pending when the measured phase
// ends count with their age), the window a reader can be behind by. Wrong
// answers are those that differ from the oracle with nothing pending:
// validation after loading, and the placement tests' convergence check
// after the run's writes drained.
//
// # Validation
//
// Validate loads the same data set into the memory oracle (the App over a
// memory connection, found through the driver registry) and compares
// answers through the placement's routing: tweets by id, a missing tweet,
// timelines twice each (the miss that fills the cache, then the hit),
// search hit counts (exact), who-to-follow (ordered), every dashboard
// window. Views are fresh after loading, so any difference is wrong, not
// stale. Search top-10 agreement with the oracle's BM25 ranking is a
// figure. The oracle holds the whole data set in memory, so above
// oraclemaxrows rows (5 million by default; full scale has ~50 million)
// validation fails with a message rather than exhausting memory. Convergence after writes (every view equal to the source once
// sync drained) is checked by the placement driver's tests.
package twitter
