package debezium_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/storefit/storefit/cdc/debezium"
)

// The cdc-debezium data path: register the connector for two tables, then
// consume their changes as a consumer group, applying each batch before
// its offsets are committed. A consumer that is closed and made again with
// the same group resumes after the last committed batch. (Compiled, not
// run: it needs the servers.)
func Example() {
	ctx := context.Background()
	conn := debezium.PostgresConnector{
		Name:             "storefit_sync",
		DSN:              "postgres://storefit:storefit@127.0.0.1:5432/storefit?sslmode=disable",
		Slot:             "storefit_sync",
		Tables:           []string{"sync_tweets", "sync_follows"},
		TopicPrefix:      "storefit_sync",
		FullBeforeImages: true, // deletes carry the whole old row
	}
	if err := debezium.RegisterPostgres(ctx, "http://127.0.0.1:8083", conn); err != nil {
		log.Fatal(err)
	}
	c, err := debezium.NewConsumer(ctx, debezium.ConsumerConfig{
		Kafka:  "kafka://127.0.0.1:9092",
		Group:  "storefit_sync_views",
		Topics: conn.Topics(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	err = c.Run(ctx, func(ctx context.Context, batch []debezium.Change) error {
		for _, ch := range batch {
			row := ch.After
			if ch.Op == debezium.OpDelete {
				row = ch.Before
			}
			id, err := row.Int64("id")
			if err != nil {
				return err
			}
			fmt.Printf("%s %s id=%d lag=%v\n", ch.Table, ch.Op, id, time.Since(ch.CommitTime))
		}
		return nil // only now are the batch's offsets committed
	})
	if err != nil {
		log.Fatal(err)
	}
}
