package placement

import (
	"context"
	"fmt"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/syncer"
)

// SyncEngine returns a sync engine of spec's strategy over the placement's
// stores (the sync workload's): the store of the source role is the source
// of truth, the store each view names as a role holds that view, and under
// event sourcing the source store is a projection too. The strategy is
// spec's, not the placement file's; the file's sync section gives the
// strategy's settings (batch, interval, kafka, connect). The engine is the
// caller's to close (Close closes it too if it is still open).
func (c *Conn) SyncEngine(ctx context.Context, spec syncer.Spec) (*syncer.Engine, error) {
	info, err := syncer.Lookup(spec.Strategy)
	if err != nil {
		return nil, err
	}
	srcName := c.cfg.Route["source"]
	srcConn := c.conns[srcName]
	sp, ok := srcConn.(syncer.SourceProvider)
	if !ok {
		return nil, fmt.Errorf("placement %s: store %s (%s) cannot be a sync source: %w", c.cfg.Name, srcName, c.cfg.Stores[srcName].Driver, drivers.ErrUnsupported)
	}
	src, err := sp.SyncSource(syncer.SourceSpec{Tables: spec.Source})
	if err != nil {
		return nil, fmt.Errorf("placement %s: source: %w", c.cfg.Name, err)
	}
	cfg := syncer.Config{Strategy: spec.Strategy, Source: src, Options: c.options(spec.Options), Faults: spec.Faults,
		Logf: spec.Logf, Servers: map[string]syncer.ServerStopper{}}
	cfg.Options.Name = spec.Options.Name
	for _, v := range spec.Views {
		store, ok := c.cfg.Route[v.Name]
		if !ok {
			return nil, fmt.Errorf("placement %s routes no store for the view %s (route it, or leave the view out)", c.cfg.Name, v.Name)
		}
		s, err := c.sink(store, v)
		if err != nil {
			return nil, err
		}
		cfg.Sinks = append(cfg.Sinks, s)
		if p := c.servers[store]; p != nil {
			cfg.Servers[v.Name] = p
		}
	}
	if info.SourceIsProjection {
		if cfg.SourceSink, err = c.sink(srcName, syncer.SinkSpec{Name: "source", Keeps: syncer.AllEntities, Tables: spec.Source}); err != nil {
			return nil, err
		}
		if p := c.servers[srcName]; p != nil {
			cfg.Servers["source"] = p
		}
	}
	db, err := c.captureDB(srcName, src)
	if err != nil {
		return nil, err
	}
	if db != nil {
		cfg.Capture = &syncer.Capture{Tables: spec.Source, DB: db}
	}
	e, err := syncer.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("placement %s: %w", c.cfg.Name, err)
	}
	c.mu.Lock()
	c.engines = append(c.engines, e)
	c.mu.Unlock()
	return e, nil
}

// sink asks store for the view spec describes.
func (c *Conn) sink(store string, spec syncer.SinkSpec) (syncer.Sink, error) {
	p, ok := c.conns[store].(syncer.SinkProvider)
	if !ok {
		return nil, fmt.Errorf("placement %s: store %s (%s) cannot hold the %s view: %w", c.cfg.Name, store, c.cfg.Stores[store].Driver, spec.Name, drivers.ErrUnsupported)
	}
	s, err := p.SyncSink(spec)
	if err != nil {
		return nil, fmt.Errorf("placement %s: view %s on %s: %w", c.cfg.Name, spec.Name, store, err)
	}
	return s, nil
}
