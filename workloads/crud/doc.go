// Package crud is the crud access pattern: the users, tweets and likes of a
// small social network, created, read, updated and deleted one row (or one
// timeline page) at a time — the workload relational stores are built for.
//
// # Data model
//
//	users(id, handle unique, name, bio, created_at)
//	tweets(id, user_id, body, created_at, like_count)
//	likes(user_id, tweet_id, created_at), (user_id, tweet_id) unique
//
// The data comes from gen.Twitter (see workloads/gen/crud.go): users 1..users,
// tweets 1..tweets whose authors are drawn zipf-skewed (constant authorzipf,
// 0.99 by default: the most prolific user writes about a tenth of the
// tweets at quick scale), created one a second on average from
// 2024-01-01T00:00:00Z with up to two minutes of jitter (so timeline order
// differs from id order and created_at ties occur), bodies of 8–20 words
// from a Zipf(1.0) vocabulary; and likespertweet likes a tweet on average,
// drawn from a heavy-tailed (Lomax, shape 2.5) law, by distinct users, so no
// (user, tweet) pair repeats and every loaded tweet's like_count equals its
// number of loaded likes. Quick scale is 10 000 users, 100 000 tweets and
// about 300 000 likes; full scale is 100 times that.
//
// # Loading
//
// Load(part, parts) writes, in this order, part's share of the users (ids
// split in parts contiguous ranges), part's share of the tweets (likewise),
// then the likes of part's tweets. A like is therefore always written after
// its tweet, but parts run concurrently, so a tweet's author or a like's
// user may be in a part not written yet: stores must not enforce those
// foreign keys during the load (a SQL store adds them after loading, or not
// at all). Loaded tweets carry their final like_count; LoadLikes does not
// increment it.
//
// # Operation mix (crud/mix)
//
//	operation      share  what it does
//	read_tweet      40%   TweetByID
//	timeline        25%   Timeline: ids of the 20 newest tweets of a user,
//	                      newest first, created_at ties by id descending
//	like            13%   Like: insert a like and increment like_count, atomically
//	create_tweet    10%   CreateTweet
//	read_user        5%   UserByHandle
//	update_tweet     5%   UpdateTweetBody
//	delete_tweet     2%   DeleteTweet, with its likes
//
// Parameters are drawn deterministically per worker (seed, worker id, number
// of workers):
//   - Tweets to read, like and update are drawn skewed towards the newest, as
//     YCSB's "latest": over the loaded tweets followed by the worker's own
//     tweets, the newest the most popular. A worker does not know what other
//     workers created, so its own are its "newest".
//   - Users whose timelines and profiles are read, and authors of new
//     tweets, follow the authorship popularity.
//   - New tweet ids are partitioned: worker w of n creates ids
//     tweets+1+w, tweets+1+w+n, …; its i-th operation is stamped
//     2024-01-01 + tweets + 120 s + i·n + w seconds, after every loaded
//     tweet.
//   - A worker deletes only tweets it created itself, oldest first, so
//     other workers' reads of loaded tweets never miss, and its own reads
//     never ask for what it deleted. With nothing of its own left to delete,
//     it creates a tweet instead.
//   - Likes never repeat a pair: worker w of n likes only with users
//     1+w, 1+w+n, … (so workers never collide), walks that class for each
//     tweet from a tweet-dependent start, remembering per tweet how far it
//     got, and skips the tweet's loaded likers (gen.TwitterLikeSet.Has). A
//     duplicate like would be rejected by the store with ErrDuplicate and
//     counted as an error; the stream produces none. A like therefore needs
//     at least as many users as workers.
//
// # Options
//
// Every setting is an option (--set name=value or a suite's options):
// users, tweets, likespertweet, authorzipf, timelinelimit,
// readtweetproportion, timelineproportion, likeproportion,
// createtweetproportion, readuserproportion, updatetweetproportion,
// deletetweetproportion, prefix (put before the table names), loadbatch.
//
// # Validation
//
// Validate compares a store's answers with answers computed from the
// generator alone, in two streaming passes over the tweets' authors and
// times, in memory that does not grow with the data (the tweet counts of
// the 2 048 least prolific authors and the pages being collected): whole
// tweet rows by id for about 60 tweets (both ends, an even spread, the five
// most liked, unliked ones); the counted likes of the same tweets, which
// must equal their like_count; the timelines (ordered ids) of the three
// most prolific authors, an even spread of users, users with no tweets or
// fewer than a page (among the least prolific authors), and up to five of the 100 most prolific
// authors whose page has created_at ties (so the tie rule is checked); users
// by handle; and a missing tweet, handle and timeline. Queries returns the
// same set with its answers.
package crud
