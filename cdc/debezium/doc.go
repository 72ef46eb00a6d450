// Package debezium is the transport of the sync engine's cdc-debezium
// strategy (syncer/kafkasync): PostgreSQL changes captured by Debezium's
// PostgreSQL connector, carried by Kafka, and read back as typed changes by
// a consumer group (cdc/kafkalog).
//
// # Data path
//
//	PostgreSQL WAL ──pgoutput──▶ Debezium PostgresConnector (in Kafka Connect)
//	    ──JSON envelopes──▶ Kafka topic PREFIX.SCHEMA.TABLE (one partition)
//	    ──franz-go consumer group──▶ Consumer.Run ──▶ Handler([]Change)
//
// RegisterPostgres creates (or replaces) the connector on a Kafka Connect
// worker through its REST API — compose/native/debezium.sh runs one in
// standalone mode on http://127.0.0.1:8083, docker-compose's debezium service
// a distributed one; the API is the same — and waits until its task runs.
// The connector reads a logical replication slot with pgoutput,
// PostgreSQL's built-in output plugin, so the server needs wal_level=logical
// and no extension; the database user needs the REPLICATION attribute, and,
// with publication.autocreate.mode=filtered (the default here), to own the
// captured tables, so that the connector can create the publication FOR
// TABLE … itself (FOR ALL TABLES would need a superuser). The slot is
// created when missing by the task as it starts, before it reports
// RUNNING: a change committed after RegisterPostgres returns is captured.
// SnapshotMode "no_data" (the default) streams from the slot's position;
// "initial" first reads the tables' rows (op 'r'). Under the tables'
// default replica identity, updates carry no before image and deletes only
// the key; FullBeforeImages sets REPLICA IDENTITY FULL first, so both carry
// the whole old row.
//
// The connector writes JSON without embedded schemas (small envelopes),
// numerics as strings, and no tombstones after deletes. Kafka Connect
// creates each table's topic with one partition, and Consumer creates the
// topics it reads if they are missing, so a consumer may start first.
// Decode turns a record into a Change: table, Op ('c', 'u', 'd', 'r'), the
// key and the before and after row images as Row (column → JSON value,
// numbers as json.Number so bigint keys keep every digit, with typed
// accessors), CommitTime (source.ts_us: the source transaction's commit
// time), LSN, transaction id, and the record's topic, partition and offset.
//
// # Delivery guarantees
//
// At least once. Consumer commits a batch's offsets to Kafka only after the
// Handler returned nil for it, and no rebalance can take partitions away
// between the two (franz-go's BlockRebalanceOnPoll). A consumer that is
// closed, or killed, mid-batch leaves that batch uncommitted: the next
// consumer of the same group starts at the last committed offset and
// delivers it again. Handlers must therefore apply changes idempotently
// (upsert the after image, delete by key): replaying a suffix of a row's
// changes leaves the same final state. Upstream, Kafka Connect commits the
// connector's WAL position after Kafka acknowledged the records, and
// Debezium confirms it to the slot only then; a restarted connector may
// emit some changes again (duplicates, never gaps) for the same reason.
// Duplicates have the same topic, partition and offset only when they are
// redeliveries by the consumer; a connector's re-emission gets new offsets
// but the same LSN.
//
// # Ordering
//
// One topic per table with a single partition: the changes of a table,
// and so of each row, arrive in commit order. Changes of different tables
// are in different topics and may interleave in any order across them, so
// a view must not rely on, say, a follow arriving after the tweet it
// mentions. A transaction's rows are separate events (TxID and LSN tell
// them apart); there is no transaction boundary marker in this
// configuration.
//
// # Lag
//
// CommitTime is PostgreSQL's commit timestamp and the consumer's clock is
// the same machine's, so time.Since(c.CommitTime) in a Handler is the
// commit-to-consumer lag. Two settings dominate it: Debezium's
// poll.interval.ms (PostgresConnector.PollInterval, 10 ms here instead of
// Debezium's 500 ms: it sleeps that long whenever it finds nothing to do,
// twice on the way) and the source's synchronous_commit. With
// synchronous_commit=off (compose/native/postgres.sh sets it server-wide
// for benchmark speed) the walsender only sees a commit once the WAL writer
// flushes it, every wal_writer_delay (200 ms) or sooner when other writes
// fill the WAL buffers. Measured by the test on our busy 2-core machine,
// 300 single-row transactions at 200/s: synchronous_commit=off p50
// 80–300 ms, p99 200–500 ms (almost all of it before Debezium sees the
// change); synchronous_commit=on for the writing session
// (SET synchronous_commit = on) p50 about 15 ms, p99 30–45 ms, of which
// Debezium event → consumer (Connect's producer, the broker, the fetch) is
// about 10 ms at p50.
//
// # Clean-up
//
// DeleteConnector stops the connector but leaves its slot and publication
// (a connector registered again resumes from them); DropSlot drops both,
// waiting for the slot to be released. A slot left behind makes the server
// keep WAL for it. kafkalog.DeleteTopics and DeleteGroup remove the Kafka side.
//
// # Tests
//
// The end-to-end test reads STOREFIT_KAFKA_DSN, STOREFIT_DEBEZIUM_DSN and
// STOREFIT_POSTGRES_DSN (compose/native/{kafka,debezium,postgres}.sh start
// print them) and is skipped without them unless STOREFIT_REQUIRE_SERVERS=1.
// Envelope decoding is tested on records Debezium 3.6.1 wrote (testdata/).
package debezium
