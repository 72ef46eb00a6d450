package syncer

import (
	"context"
	"fmt"
)

// Divergence is the outcome of reconciling one view with the source of
// truth.
type Divergence struct {
	// Rows is the number of rows of the source the view should hold.
	Rows int64
	// Missing rows are in the source only, Extra in the view only,
	// Different in both with another image (any column).
	Missing, Extra, Different int64
	// Samples names a few divergent rows.
	Samples []string
}

// Total returns Missing + Extra + Different.
func (d Divergence) Total() int64 { return d.Missing + d.Extra + d.Different }

// Reconcile compares every view with one scan of truth: every row of the
// entities a view keeps, full images against the view's own scan. A view
// that cannot be scanned is an error.
func Reconcile(ctx context.Context, truth Scanner, views []Sink) ([]Divergence, error) {
	want := make([]map[Key]string, len(views))
	for i := range want {
		want[i] = map[Key]string{}
	}
	err := truth.Scan(ctx, func(c *Change) error {
		var d string
		for i, v := range views {
			if v.Keeps().Has(c.Entity) {
				if d == "" {
					d = c.Digest()
				}
				want[i][c.Key()] = d
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reconcile: source of truth: %w", err)
	}
	out := make([]Divergence, len(views))
	for i, v := range views {
		sc, ok := v.(Scanner)
		if !ok {
			return nil, fmt.Errorf("reconcile: view %s cannot be scanned", v.Name())
		}
		d := &out[i]
		d.Rows = int64(len(want[i]))
		seen := make(map[Key]bool, len(want[i]))
		sample := func(s string) {
			if len(d.Samples) < 5 {
				d.Samples = append(d.Samples, s)
			}
		}
		err := sc.Scan(ctx, func(c *Change) error {
			if !v.Keeps().Has(c.Entity) {
				return nil
			}
			k := c.Key()
			if seen[k] {
				d.Extra++
				sample("duplicate " + k.String())
				return nil
			}
			seen[k] = true
			w, ok := want[i][k]
			switch {
			case !ok:
				d.Extra++
				sample("extra " + k.String())
			case w != c.Digest():
				d.Different++
				sample("different " + k.String())
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reconcile %s: %w", v.Name(), err)
		}
		for k := range want[i] {
			if !seen[k] {
				d.Missing++
				sample("missing " + k.String())
			}
		}
	}
	return out, nil
}
