package debezium

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/storefit/storefit/cdc/kafkalog"
)

// servers returns the DSNs of the servers the end-to-end test needs:
// STOREFIT_KAFKA_DSN, STOREFIT_DEBEZIUM_DSN (the Kafka Connect worker) and
// STOREFIT_POSTGRES_DSN (wal_level=logical, a user with REPLICATION). It
// skips the test when one is missing, unless STOREFIT_REQUIRE_SERVERS=1,
// which makes that a failure.
func servers(t *testing.T) (kafka, connect, pg string) {
	t.Helper()
	var missing []string
	get := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			missing = append(missing, name)
		}
		return v
	}
	kafka, connect, pg = get("STOREFIT_KAFKA_DSN"), get("STOREFIT_DEBEZIUM_DSN"), get("STOREFIT_POSTGRES_DSN")
	if len(missing) > 0 {
		msg := fmt.Sprintf("%v not set (start the servers with compose/native/{postgres,kafka,debezium}.sh start)", missing)
		if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
			t.Fatal(msg + " and STOREFIT_REQUIRE_SERVERS=1")
		}
		t.Skip(msg)
	}
	return kafka, connect, pg
}

// errWrite is the panic of a failed write in the test (recovered).
var errWrite = errors.New("write failed")

// want is an expected change of the test table.
type want struct {
	op   Op
	id   int64
	name string // after image (creates, updates, reads)
	qty  int64
}

// collector gathers what a Handler receives, with the time each change
// arrived.
type collector struct {
	mu      sync.Mutex
	got     []Change
	arrived []time.Time
	run     []int          // which consumer delivered it
	seen    map[int64]bool // offsets

	// killAt, when > 0, makes consumer 1 hang in the batch that brings
	// the distinct changes to killAt or more (after it applied them),
	// closing killed, until it is killed: that batch is applied but never
	// committed.
	killAt int
	killed chan struct{}
}

// handler returns the Handler of consumer number run.
func (c *collector) handler(run int) Handler {
	return func(ctx context.Context, batch []Change) error {
		now := time.Now()
		c.mu.Lock()
		for _, ch := range batch {
			c.got = append(c.got, ch)
			c.arrived = append(c.arrived, now)
			c.run = append(c.run, run)
			c.seen[ch.Offset] = true
		}
		hang := run == 1 && c.killAt > 0 && len(c.seen) >= c.killAt
		if hang {
			c.killAt = 0
			close(c.killed)
		}
		c.mu.Unlock()
		if hang {
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
}

// unique returns how many distinct changes arrived.
func (c *collector) unique() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

// waitUnique waits until n distinct changes arrived.
func (c *collector) waitUnique(ctx context.Context, t *testing.T, n int) {
	t.Helper()
	for c.unique() < n {
		select {
		case <-ctx.Done():
			c.mu.Lock()
			var missing []int
			for i := range n {
				if !c.seen[int64(i)] {
					missing = append(missing, i)
				}
			}
			c.mu.Unlock()
			t.Fatalf("%d of %d changes arrived (offsets missing: %v): %v", c.unique(), n, missing, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestPostgresThroughKafka runs the whole data path against real servers:
// a PostgreSQL table, Debezium's connector registered on Kafka Connect, its
// topic in Kafka, and a Consumer that is stopped mid-stream and restarted.
// It checks every change arrives decoded, in order, none lost, and measures
// the lag from commit to consumer.
func TestPostgresThroughKafka(t *testing.T) {
	kafkaDSN, connectDSN, pgDSN := servers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	id := fmt.Sprintf("sfcdc_%d_%d", os.Getpid(), time.Now().UnixNano()%1_000_000)
	table := id + "_items"
	pg, err := pgx.Connect(ctx, pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close(context.Background()) })
	// exec runs a statement; a failure fails the test, and the
	// goroutine running the test checks t.Failed (writes run in another
	// goroutine too, where t.Fatal must not be called).
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pg.Exec(ctx, sql, args...); err != nil {
			t.Errorf("%s: %v", sql, err)
			panic(errWrite)
		}
	}
	tbl := pgx.Identifier{table}.Sanitize()
	if _, err := pg.Exec(ctx, "CREATE TABLE "+tbl+" (id bigint PRIMARY KEY, name text NOT NULL, qty bigint NOT NULL, at timestamptz NOT NULL DEFAULT now())"); err != nil {
		t.Fatal(err)
	}

	cfg := PostgresConnector{
		Name: id, DSN: pgDSN, Slot: id, Tables: []string{table}, TopicPrefix: id,
		// A row before the connector: the initial snapshot reads it (op r).
		SnapshotMode: "initial",
		// Deletes carry the whole old row.
		FullBeforeImages: true,
	}
	topics := cfg.Topics()
	group := id + "_group"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := DeleteConnector(ctx, connectDSN, cfg.Name); err != nil {
			t.Error(err)
		}
		if err := DropSlot(ctx, pgDSN, cfg.Slot, cfg.PublicationName()); err != nil {
			t.Error(err)
		}
		if _, err := pg.Exec(ctx, "DROP TABLE IF EXISTS "+tbl); err != nil {
			t.Error(err)
		}
		if err := kafkalog.DeleteTopics(ctx, kafkaDSN, append(topics, cfg.HeartbeatTopic())...); err != nil {
			t.Error(err)
		}
		if err := kafkalog.DeleteGroup(ctx, kafkaDSN, group); err != nil {
			t.Error(err)
		}
	})

	var expect []want
	insert := func(i int64) {
		exec("INSERT INTO "+tbl+" (id, name, qty) VALUES ($1, $2, $3)", i, fmt.Sprintf("item %d", i), i)
		expect = append(expect, want{OpCreate, i, fmt.Sprintf("item %d", i), i})
	}
	update := func(i int64) {
		exec("UPDATE "+tbl+" SET name = $2, qty = $3 WHERE id = $1", i, fmt.Sprintf("item %d v2", i), i*10)
		expect = append(expect, want{OpUpdate, i, fmt.Sprintf("item %d v2", i), i * 10})
	}
	// del deletes row i; the change's before image (REPLICA IDENTITY
	// FULL) is the row's last after image.
	del := func(i int64) {
		exec("DELETE FROM "+tbl+" WHERE id = $1", i)
		w := want{op: OpDelete, id: i}
		for j := len(expect) - 1; j >= 0; j-- {
			if expect[j].id == i {
				w.name, w.qty = expect[j].name, expect[j].qty
				break
			}
		}
		expect = append(expect, w)
	}
	// writes makes rows from..to-1: each inserted, every third updated
	// twice, every fifth deleted.
	safely := func(f func()) {
		defer func() {
			if r := recover(); r != nil && r != errWrite {
				panic(r)
			}
		}()
		f()
	}
	writes := func(from, to int64) {
		defer func() {
			if r := recover(); r != nil && r != errWrite {
				panic(r)
			}
		}()
		for i := from; i < to; i++ {
			insert(i)
			if i%3 == 0 {
				update(i)
				exec("UPDATE "+tbl+" SET qty = qty + 1 WHERE id = $1", i)
				expect = append(expect, want{OpUpdate, i, fmt.Sprintf("item %d v2", i), i*10 + 1})
			}
			if i%5 == 0 {
				del(i)
			}
		}
	}

	safely(func() { insert(0) })
	if t.Failed() {
		t.FailNow()
	}
	expect[0].op = OpRead
	start := time.Now()
	if err := RegisterPostgres(ctx, connectDSN, cfg); err != nil {
		t.Fatal(err)
	}
	t.Logf("connector running after %v", time.Since(start).Round(time.Millisecond))
	var slots int
	if err := pg.QueryRow(ctx, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", cfg.Slot).Scan(&slots); err != nil || slots != 1 {
		t.Fatalf("slot %s after RegisterPostgres: %d slots, %v", cfg.Slot, slots, err)
	}
	// Registering again replaces the configuration (the worker restarts
	// the connector, which resumes from its offsets).
	if err := RegisterPostgres(ctx, connectDSN, cfg); err != nil {
		t.Fatal(err)
	}

	col := &collector{seen: map[int64]bool{}, killed: make(chan struct{})}
	runs := 0
	run := func() (*Consumer, chan error) {
		runs++
		h := col.handler(runs)
		c, err := NewConsumer(ctx, ConsumerConfig{Kafka: kafkaDSN, Group: group, Topics: topics, MaxBatch: 16})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		done := make(chan error, 1)
		go func() { done <- c.Run(ctx, h) }()
		return c, done
	}

	// Phase 1: changes made while the first consumer runs.
	c1, done1 := run()
	writes(1, 40)
	if t.Failed() {
		t.FailNow()
	}
	col.waitUnique(ctx, t, len(expect))

	// Phase 2: the consumer is stopped mid-stream, writes go on, and a
	// new consumer of the group resumes from the committed offsets.
	phase2 := len(expect)
	writerDone := make(chan struct{})
	var mu sync.Mutex // guards expect while the writer runs
	go func() {
		defer close(writerDone)
		mu.Lock()
		defer mu.Unlock()
		writes(40, 120)
	}()
	col.mu.Lock()
	col.killAt = phase2 + 25
	col.mu.Unlock()
	select {
	case <-col.killed:
	case <-ctx.Done():
		t.Fatalf("consumer 1 never reached change %d: %d arrived", phase2+25, col.unique())
	}
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done1; err != nil {
		t.Fatalf("first consumer: %v", err)
	}
	stopped := col.unique()
	<-writerDone
	if t.Failed() {
		t.FailNow()
	}
	mu.Lock()
	total := len(expect)
	mu.Unlock()
	c2, done2 := run()
	col.waitUnique(ctx, t, total)
	t.Logf("first consumer stopped after %d of %d changes; %d changes, %d batches, %d commits", stopped, total, c1.Stats().Changes, c1.Stats().Batches, c1.Stats().Commits)

	// Every change arrived once at least, decoded, in commit order.
	col.mu.Lock()
	got := slices.Clone(col.got)
	col.mu.Unlock()
	byOffset := map[int64]Change{}
	for _, c := range got {
		if prev, ok := byOffset[c.Offset]; ok && prev.LSN != c.LSN {
			t.Errorf("offset %d delivered twice with different changes: LSN %d and %d", c.Offset, prev.LSN, c.LSN)
		}
		byOffset[c.Offset] = c
	}
	duplicates := len(got) - len(byOffset)
	t.Logf("%d changes delivered for %d distinct: %d duplicates after the restart", len(got), len(byOffset), duplicates)
	if duplicates == 0 {
		t.Errorf("no duplicates: the batch consumer 1 applied but did not commit was not delivered again")
	}
	if len(byOffset) != total {
		t.Fatalf("%d distinct changes, want %d", len(byOffset), total)
	}
	for i, w := range expect {
		c, ok := byOffset[int64(i)]
		if !ok {
			t.Fatalf("change %d (%s of row %d) lost: no offset %d", i, w.op, w.id, i)
		}
		if c.Op != w.op || c.Table != table || c.Topic != topics[0] {
			t.Fatalf("change %d: %s of %s on %s, want %s of %s on %s", i, c.Op, c.Table, c.Topic, w.op, table, topics[0])
		}
		if k, err := c.Key.Int64("id"); err != nil || k != w.id {
			t.Errorf("change %d (%s): key %v (%v), want id %d", i, c.Op, c.Key, err, w.id)
		}
		if c.CommitTime.IsZero() || c.LSN == 0 {
			t.Errorf("change %d: commit time %v, LSN %d", i, c.CommitTime, c.LSN)
		}
		if w.op == OpDelete {
			id, err1 := c.Before.Int64("id")
			name, err2 := c.Before.String("name")
			qty, err3 := c.Before.Int64("qty")
			if c.After != nil || errors.Join(err1, err2, err3) != nil || id != w.id || name != w.name || qty != w.qty {
				t.Errorf("change %d: delete with before %v, after %v; want before id %d, name %q, qty %d", i, c.Before, c.After, w.id, w.name, w.qty)
			}
			continue
		}
		name, err1 := c.After.String("name")
		qty, err2 := c.After.Int64("qty")
		if err1 != nil || err2 != nil || name != w.name || qty != w.qty {
			t.Errorf("change %d (%s of row %d): after %v, want name %q qty %d", i, c.Op, w.id, c.After, w.name, w.qty)
		}
		if _, err := c.After.Time("at"); err != nil {
			t.Errorf("change %d: %v", i, err)
		}
	}
	// Per row, each consumer delivered the row's changes in the order
	// they were made (a redelivery after the restart starts over at the
	// last committed offset, in order again).
	type runRow struct {
		run int
		id  int64
	}
	last := map[runRow]int64{}
	col.mu.Lock()
	for i, c := range got {
		k, _ := c.Key.Int64("id")
		rr := runRow{col.run[i], k}
		if prev, ok := last[rr]; ok && c.Offset <= prev {
			t.Errorf("consumer %d, row %d: offset %d after %d", rr.run, k, c.Offset, prev)
		}
		last[rr] = c.Offset
	}
	col.mu.Unlock()

	// Phase 3: the lag from commit to consumer for a few hundred changes,
	// written at about 200 per second, with the server's
	// synchronous_commit and with synchronous_commit on.
	next := int64(1_000_000)
	measured := total
	lag := func(setting string) {
		if _, err := pg.Exec(ctx, "SET synchronous_commit = "+setting); err != nil {
			t.Fatal(err)
		}
		var server string
		if err := pg.QueryRow(ctx, "SHOW synchronous_commit").Scan(&server); err != nil {
			t.Fatal(err)
		}
		const n = 300
		tick := time.NewTicker(5 * time.Millisecond)
		for range n {
			<-tick.C
			if _, err := pg.Exec(ctx, "INSERT INTO "+tbl+" (id, name, qty) VALUES ($1, 'lag', $1)", next); err != nil {
				t.Fatal(err)
			}
			next++
		}
		tick.Stop()
		col.waitUnique(ctx, t, measured+n)
		// lags: commit → consumer, and its two legs: commit → Debezium
		// (the envelope's ts) and Debezium → consumer (Connect, Kafka).
		var lags, toDebezium, toConsumer []time.Duration
		col.mu.Lock()
		for i, c := range col.got {
			if c.Offset >= int64(measured) && c.Offset < int64(measured+n) && col.run[i] == 2 {
				lags = append(lags, col.arrived[i].Sub(c.CommitTime))
				toDebezium = append(toDebezium, c.EmitTime.Sub(c.CommitTime))
				toConsumer = append(toConsumer, col.arrived[i].Sub(c.EmitTime))
			}
		}
		col.mu.Unlock()
		measured += n
		pcts := func(d []time.Duration) string {
			slices.Sort(d)
			p := func(q float64) time.Duration { return d[int(q*float64(len(d)-1))].Round(time.Millisecond) }
			return fmt.Sprintf("p50 %v, p99 %v, max %v", p(0.5), p(0.99), p(1))
		}
		t.Logf("lag commit → consumer, synchronous_commit %s, %d changes: %s", server, len(lags), pcts(lags))
		t.Logf("  commit → Debezium event: %s; Debezium event → consumer: %s", pcts(toDebezium), pcts(toConsumer))
		if lags[len(lags)/2] > 5*time.Second {
			t.Errorf("lag p50 %v: the data path is stuck somewhere", lags[len(lags)/2])
		}
	}
	lag("DEFAULT")
	lag("on")

	if err := c2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done2; err != nil {
		t.Fatalf("second consumer: %v", err)
	}
}

// TestStreamOnly registers a connector with the default snapshot mode
// (no_data) and two tables: rows written before it are not read, every
// change committed after RegisterPostgres returns is, from both tables'
// topics, by one consumer.
func TestStreamOnly(t *testing.T) {
	kafkaDSN, connectDSN, pgDSN := servers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id := fmt.Sprintf("sfcdc_%d_%d", os.Getpid(), time.Now().UnixNano()%1_000_000)
	tables := []string{id + "_a", id + "_b"}
	pg, err := pgx.Connect(ctx, pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close(context.Background()) })
	cfg := PostgresConnector{Name: id, DSN: pgDSN, Slot: id, Tables: tables, TopicPrefix: id}
	group := id + "_group"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := DeleteConnector(ctx, connectDSN, cfg.Name); err != nil {
			t.Error(err)
		}
		if err := DropSlot(ctx, pgDSN, cfg.Slot, cfg.PublicationName()); err != nil {
			t.Error(err)
		}
		for _, tb := range tables {
			if _, err := pg.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{tb}.Sanitize()); err != nil {
				t.Error(err)
			}
		}
		if err := kafkalog.DeleteTopics(ctx, kafkaDSN, append(cfg.Topics(), cfg.HeartbeatTopic())...); err != nil {
			t.Error(err)
		}
		if err := kafkalog.DeleteGroup(ctx, kafkaDSN, group); err != nil {
			t.Error(err)
		}
	})
	for _, tb := range tables {
		if _, err := pg.Exec(ctx, "CREATE TABLE "+pgx.Identifier{tb}.Sanitize()+" (id bigint PRIMARY KEY, v text)"); err != nil {
			t.Fatal(err)
		}
		if _, err := pg.Exec(ctx, "INSERT INTO "+pgx.Identifier{tb}.Sanitize()+" VALUES (0, 'before')"); err != nil {
			t.Fatal(err)
		}
	}
	if err := RegisterPostgres(ctx, connectDSN, cfg); err != nil {
		t.Fatal(err)
	}
	// One transaction across both tables, then one per table.
	tx, err := pg.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if _, err := tx.Exec(ctx, "INSERT INTO "+pgx.Identifier{tb}.Sanitize()+" VALUES (1, 'tx')"); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if _, err := pg.Exec(ctx, "UPDATE "+pgx.Identifier{tb}.Sanitize()+" SET v = 'after' WHERE id = 0"); err != nil {
			t.Fatal(err)
		}
	}

	c, err := NewConsumer(ctx, ConsumerConfig{Kafka: kafkaDSN, Group: group, Topics: cfg.Topics()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var mu sync.Mutex
	got := map[string][]string{} // table → "op id v"
	n := 0
	done := make(chan error, 1)
	go func() {
		done <- c.Run(ctx, func(_ context.Context, batch []Change) error {
			mu.Lock()
			defer mu.Unlock()
			for _, ch := range batch {
				v, _ := ch.After.String("v")
				k, _ := ch.Key.Int64("id")
				got[ch.Table] = append(got[ch.Table], fmt.Sprintf("%s %d %s", ch.Op, k, v))
				n++
			}
			return nil
		})
	}()
	for {
		mu.Lock()
		m := n
		mu.Unlock()
		if m >= 4 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d of 4 changes arrived: %v", m, got)
		case err := <-done:
			t.Fatalf("consumer stopped: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	c.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if want := []string{"create 1 tx", "update 0 after"}; !slices.Equal(got[tb], want) {
			t.Errorf("table %s: changes %q, want %q", tb, got[tb], want)
		}
	}
}
