// Package kafkalog reads and writes Kafka topics as logs for storefit's
// sync strategies: a producer that appends and waits for the broker's
// acknowledgement, a consumer group member that delivers at least once
// (it commits a batch's offsets only after its handler returned), a reader
// of a topic from its start to its current end (rebuilding a projection,
// folding the log), and the admin calls around them (topics, groups,
// offsets). cdc/debezium reads Debezium's change topics through it; the
// event-sourcing strategy keeps its event log with it.
//
// # Delivery guarantees
//
// Consumer commits a batch's offsets to Kafka only after the handler
// returned nil for it, and no rebalance can take partitions away between
// the two (franz-go's BlockRebalanceOnPoll). A consumer that is closed, or
// killed, mid-batch leaves that batch uncommitted: the next member of the
// same group starts at the last committed offset and gets it again.
// Handlers must therefore apply records idempotently.
//
// # DSN
//
// kafka://HOST:PORT[,HOST:PORT…], what compose/native/kafka.sh prints
// (ParseDSN).
package kafkalog
