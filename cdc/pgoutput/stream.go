// Package pgoutput reads a PostgreSQL logical replication slot (the
// pgoutput plugin) as batches of committed rows, for the consumers that
// apply them elsewhere (the sync workloads' cdc-logical strategy, the
// twitter placements' cdc-logical sync).
//
// The position confirmed to the server is the caller's: the end of the
// last transaction it fully applied, and nothing else. An XLogData
// message's start plus its length is not a WAL position (pgoutput's text
// tuples are longer than the WAL records), and a keepalive's WAL end may
// lie beyond commits not sent yet; confirming either loses changes when a
// consumer restarts.
package pgoutput

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// Op is what a row change did.
type Op byte

// The row operations pgoutput sends.
const (
	Insert Op = 'I'
	Update Op = 'U'
	Delete Op = 'D'
)

// Row is one decoded row change of a committed transaction.
type Row struct {
	// Table is the relation's name.
	Table string
	Op    Op
	// Cols holds the text values of the new tuple (the old one for a
	// delete); NULLs and unchanged TOAST values are absent.
	Cols map[string]string
	// CommitTime and End are those of the row's transaction.
	CommitTime time.Time
	End        pglogrepl.LSN
}

// Stream reads one slot. Its functions are called on the goroutine that
// runs Run.
type Stream struct {
	// Connect opens a replication connection (replication=database).
	Connect func(ctx context.Context) (*pgconn.PgConn, error)
	// Slot and Publication name the slot and the publication to stream.
	Slot, Publication string
	// Batch and Linger bound a batch: at most Batch rows (whole
	// transactions are never split, so a batch can exceed it by the rows
	// of one), flushed at the latest Linger after its first row.
	Batch  int
	Linger time.Duration
	// Flush receives the rows of whole committed transactions in commit
	// order, ending at end; it returns once they are applied or handed on.
	// The slice is the caller's to keep. keepalive sends a status update,
	// for a Flush that waits. Flush's error ends Run.
	Flush func(ctx context.Context, rows []Row, end pglogrepl.LSN, keepalive func() error) error
	// Quiet is called with the end of a commit that left no row pending
	// (a transaction without rows for the publication, and nothing
	// unflushed before it).
	Quiet func(end pglogrepl.LSN)
	// Confirmed returns the position to confirm to the server.
	Confirmed func() pglogrepl.LSN
}

// Relation is a table as pgoutput's relation message describes it.
type Relation struct {
	Name string
	Cols []string // column names, in the tuples' order
}

// Decode turns a tuple (text format) of relation r into a Row without its
// transaction's commit time and end.
func Decode(r *Relation, op Op, tup *pglogrepl.TupleData) (Row, error) {
	if r == nil {
		return Row{}, errors.New("pgoutput: a change before its relation message")
	}
	if tup == nil {
		return Row{}, fmt.Errorf("pgoutput: %s change without a tuple (replica identity full?)", r.Name)
	}
	cols := make(map[string]string, len(tup.Columns))
	for i, c := range tup.Columns {
		if i < len(r.Cols) && c.DataType == 't' {
			cols[r.Cols[i]] = string(c.Data)
		}
	}
	return Row{Table: r.Name, Op: op, Cols: cols}, nil
}

// Run streams from the slot's confirmed position until ctx ends or an
// error (ctx's error when it ended).
func (s *Stream) Run(ctx context.Context) error {
	conn, err := s.start(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())

	rels := map[uint32]*Relation{}
	var (
		tx, batch []Row
		batchEnd  pglogrepl.LSN
		since     time.Time // first row of batch
		lastSent  time.Time
		commitAt  time.Time
	)
	status := func() error {
		lastSent = time.Now()
		return pglogrepl.SendStandbyStatusUpdate(ctx, conn, pglogrepl.StandbyStatusUpdate{WALWritePosition: s.Confirmed()})
	}
	flush := func() error {
		if err := s.Flush(ctx, batch, batchEnd, status); err != nil {
			return err
		}
		batch = nil
		return status()
	}
	row := func(id uint32, op Op, tup *pglogrepl.TupleData) error {
		r, err := Decode(rels[id], op, tup)
		if err != nil {
			return err
		}
		tx = append(tx, r)
		return nil
	}
	for {
		if len(batch) > 0 && (len(batch) >= s.Batch || time.Since(since) >= s.Linger) {
			if err := flush(); err != nil {
				return err
			}
		}
		if time.Since(lastSent) > time.Second {
			if err := status(); err != nil {
				return fmt.Errorf("status update: %w", err)
			}
		}
		wait := time.Second
		if len(batch) > 0 {
			wait = max(time.Millisecond, s.Linger-time.Since(since))
		}
		rctx, cancel := context.WithTimeout(ctx, wait)
		raw, err := conn.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if pgconn.Timeout(err) {
				continue
			}
			return fmt.Errorf("receive: %w", err)
		}
		if e, ok := raw.(*pgproto3.ErrorResponse); ok {
			return fmt.Errorf("server: %s", e.Message)
		}
		cd, ok := raw.(*pgproto3.CopyData)
		if !ok || len(cd.Data) == 0 {
			continue
		}
		switch cd.Data[0] {
		case pglogrepl.PrimaryKeepaliveMessageByteID:
			ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(cd.Data[1:])
			if err != nil {
				return err
			}
			if ka.ReplyRequested {
				if err := status(); err != nil {
					return err
				}
			}
		case pglogrepl.XLogDataByteID:
			xld, err := pglogrepl.ParseXLogData(cd.Data[1:])
			if err != nil {
				return err
			}
			msg, err := pglogrepl.Parse(xld.WALData)
			if err != nil {
				return fmt.Errorf("decode pgoutput: %w", err)
			}
			switch m := msg.(type) {
			case *pglogrepl.RelationMessage:
				r := &Relation{Name: m.RelationName}
				for _, c := range m.Columns {
					r.Cols = append(r.Cols, c.Name)
				}
				rels[m.RelationID] = r
			case *pglogrepl.BeginMessage:
				tx, commitAt = tx[:0], m.CommitTime
			case *pglogrepl.InsertMessage:
				err = row(m.RelationID, Insert, m.Tuple)
			case *pglogrepl.UpdateMessage:
				err = row(m.RelationID, Update, m.NewTuple)
			case *pglogrepl.DeleteMessage:
				err = row(m.RelationID, Delete, m.OldTuple)
			case *pglogrepl.CommitMessage:
				for i := range tx {
					tx[i].CommitTime, tx[i].End = commitAt, m.TransactionEndLSN
				}
				if len(tx) > 0 && len(batch) == 0 {
					since = time.Now()
				}
				batch = append(batch, tx...)
				tx = tx[:0]
				batchEnd = m.TransactionEndLSN
				if len(batch) == 0 {
					s.Quiet(batchEnd)
				}
			}
			if err != nil {
				return err
			}
		}
	}
}

// start opens the replication connection and starts streaming. The slot
// stays active for the walsender of a killed consumer a moment: retry.
func (s *Stream) start(ctx context.Context) (*pgconn.PgConn, error) {
	for attempt := 0; ; attempt++ {
		conn, err := s.Connect(ctx)
		if err != nil {
			return nil, err
		}
		err = pglogrepl.StartReplication(ctx, conn, s.Slot, 0, pglogrepl.StartReplicationOptions{
			Mode:       pglogrepl.LogicalReplication,
			PluginArgs: []string{"proto_version '1'", "publication_names '" + s.Publication + "'"},
		})
		if err == nil {
			return conn, nil
		}
		conn.Close(context.Background())
		if attempt >= 50 || !strings.Contains(err.Error(), "is active") {
			return nil, fmt.Errorf("start replication: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ParseTimestamptz parses PostgreSQL's text output of a timestamptz (ISO
// DateStyle, e.g. "2024-01-01 00:00:00+00"; fractions and minute offsets
// optional) and returns it in UTC.
func ParseTimestamptz(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999-07", "2006-01-02 15:04:05.999999-07:00", "2006-01-02 15:04:05.999999-07:00:00"} {
		if at, err := time.Parse(layout, s); err == nil {
			return at.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad timestamp %q", s)
}
