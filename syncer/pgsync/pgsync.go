// Package pgsync holds the sync strategies' PostgreSQL parts: the
// outbox's PostgreSQL dialect (triggers, a pending bit per view; see
// syncer/outbox) and logical-decoding CDC ("cdc-logical", a replication
// slot read with pgoutput). Package syncer documents what each strategy
// guarantees, how it fails and what its lag means.
//
// Both capture the source's tables as the application writes them — its
// writes are untouched: triggers write the outbox rows in the write's own
// transaction; the WAL carries the rows to the slot — and both read the
// row images back with the columns syncer.Entity names. The capture's DB
// is the source's *pgxpool.Config.
package pgsync

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/jackc/pgx/v5"
)

// runName returns 8 hex digits naming this run's capture objects.
func runName() (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }
