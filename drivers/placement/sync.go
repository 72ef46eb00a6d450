package placement

import (
	"context"
	"errors"
	"fmt"

	"github.com/storefit/storefit/workloads/twitter"
)

// syncer is a sync strategy's life cycle around the application's own:
// what it needs before the stores' schemas are created (dropping objects
// that depend on the source's tables), after (its own tables), and after
// the bulk load (capture starts: triggers, slot, refresher — the load
// builds the views in bulk from the same rows, so capturing it would
// replay it into views that have it already).
type syncer interface {
	beforeSetup(ctx context.Context) error
	afterSetup(ctx context.Context) error
	afterLoad(ctx context.Context) error
	// drain applies every change committed so far.
	drain(ctx context.Context) error
	// restart kills the applier (mid-batch if it is in one) and starts a
	// new one, which resumes from the durable position (outbox table,
	// slot); tests use it.
	restart(ctx context.Context) error
	// figures adds the strategy's own figures ("sync.*") since the last
	// resetFigures.
	figures(out map[string]float64)
	resetFigures()
	close() error
}

// errCrashed is the error of an applier killed by a test between applying
// a batch and recording its position (crashAfterApply).
var errCrashed = errors.New("applier crashed (injected)")

// crasher is a strategy whose applier can be made to die after its next
// applied batch, before it records its position (outbox, cdc-logical).
type crasher interface {
	crashAfterApply()
}

func (o *outbox) crashAfterApply() { o.crash.Store(true) }

// appStore is the application with the sync strategy's hooks around Setup
// and FinishLoad.
type appStore struct {
	*twitter.App
	s syncer
}

func (a appStore) Setup(ctx context.Context) error {
	if err := a.s.beforeSetup(ctx); err != nil {
		return err
	}
	if err := a.App.Setup(ctx); err != nil {
		return err
	}
	return a.s.afterSetup(ctx)
}

func (a appStore) FinishLoad(ctx context.Context) error {
	if err := a.App.FinishLoad(ctx); err != nil {
		return err
	}
	if err := a.s.afterLoad(ctx); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}

// dualSync is the "dual" strategy: the App applies each change in the
// writer (no publisher), so there is nothing to run.
type dualSync struct{}

func (dualSync) beforeSetup(context.Context) error { return nil }
func (dualSync) afterSetup(context.Context) error  { return nil }
func (dualSync) afterLoad(context.Context) error   { return nil }
func (dualSync) drain(context.Context) error       { return nil }
func (dualSync) restart(context.Context) error     { return nil }
func (dualSync) figures(map[string]float64)        {}
func (dualSync) resetFigures()                     {}
func (dualSync) close() error                      { return nil }

// newSyncer builds the placement's sync strategy.
func (c *Conn) newSyncer() (syncer, error) {
	cfg := c.cfg
	src := cfg.Route["source"]
	driver := cfg.Stores[src].Driver
	cs, _, _, gs, _, _ := twitter.Schemas()
	tabs := captured{tweets: cs.Tweets(), likes: cs.Likes()}
	if _, ok := cfg.Route["who_to_follow"]; ok && cfg.Route["who_to_follow"] != cfg.Route["follows"] {
		// Follows feed a view: they must be captured with the source.
		if cfg.Route["follows"] != src {
			return nil, fmt.Errorf("route follows to the source store (%s) so its changes are captured with the source's", src)
		}
		tabs.follows = gs.Name
	}
	switch cfg.Sync.Strategy {
	case StrategyRelay:
		r := newRelay(c.app, cfg.Sync.interval, cfg.Sync.Batch)
		c.app.SetPublisher(r)
		return r, nil
	case StrategyOutbox:
		var db outboxDB
		switch driver {
		case "sqlite":
			s, err := newSQLiteOutbox(sqlitePath(c.dsns[src]), tabs)
			if err != nil {
				return nil, err
			}
			db = s
		case "postgres":
			return c.pgSyncer(tabs)
		default:
			return nil, fmt.Errorf("the outbox needs a sqlite or postgres source (triggers), not %s", driver)
		}
		return newOutbox(c.app, db, cfg.Sync.interval, cfg.Sync.Batch), nil
	case StrategyLogical, StrategyDebezium, StrategyMView:
		return c.pgSyncer(tabs)
	}
	return dualSync{}, nil
}
