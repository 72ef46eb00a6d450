// Package noop is a store that accepts every operation and does nothing, so a
// run against it measures storefit itself: the cost of choosing, preparing,
// timing and recording operations. Reads return no values and are not
// checked (the Conn is a drivers.Sink).
//
// DSN: ignored.
package noop

import (
	"context"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/point"
)

func init() { drivers.Register("noop", Driver{}) }

var (
	_ point.Provider = (*Conn)(nil)
	_ point.Scanner  = pointStore{}
	_ drivers.Sink   = (*Conn)(nil)
)

// Driver opens noop stores.
type Driver struct{}

// Open returns a noop store.
func (Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) { return &Conn{}, nil }

// Describe describes the noop driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Summary:    "accepts everything, keeps nothing: measures the harness itself",
		Conn:       (*Conn)(nil),
		Embedded:   true,
		DSNExample: "noop",
	}
}

// Conn is a noop store.
type Conn struct{}

// Close does nothing.
func (*Conn) Close() error { return nil }

// DiscardsData reports true: answers are not checked.
func (*Conn) DiscardsData() bool { return true }

// Version reports "noop".
func (*Conn) Version(context.Context) (string, error) { return "noop", nil }

// PointStore returns a store that does nothing.
func (*Conn) PointStore(point.Schema) (point.Store, error) { return pointStore{}, nil }

type pointStore struct{}

func (pointStore) Setup(context.Context) error                           { return nil }
func (pointStore) Load(context.Context, []point.Record) error            { return nil }
func (pointStore) Insert(context.Context, []byte, [][]byte) error        { return nil }
func (pointStore) Update(context.Context, []byte, []int, [][]byte) error { return nil }
func (pointStore) Delete(context.Context, []byte) error                  { return nil }
func (pointStore) Read(_ context.Context, _ []byte, _ []int, dst [][]byte) ([][]byte, error) {
	return dst[:0], nil
}
func (pointStore) Scan(_ context.Context, _ []byte, _ int, _ []int, dst []point.Record) ([]point.Record, error) {
	return dst[:0], nil
}
