// Package drivers holds the store contracts of storefit: the Driver and Conn
// interfaces, the registry that names drivers, and the errors every driver
// shares.
//
// A store package registers itself in its init function, the way
// database/sql drivers do:
//
//	func init() { drivers.Register("memory", Driver{}) }
//
// and a program pulls it in with a blank import (drivers/all imports every
// driver storefit ships). Open then finds the driver by name.
//
// A Conn supports an access pattern by implementing that pattern's provider
// interface (point.Provider, …), which the workload discovers by type
// assertion. A Conn that lacks a pattern is reported as "n/a", never as an
// error: workloads return ErrUnsupported for it.
package drivers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Driver opens connections to one kind of store.
type Driver interface {
	// Open connects to the store named by dsn. The meaning of dsn is the
	// driver's; an empty dsn selects the driver's default (a temporary
	// directory for embedded stores, the address compose/ starts for servers).
	Open(ctx context.Context, dsn string) (Conn, error)
}

// Conn is an open connection (or connection pool) to a store. A Conn is
// shared by all workers of a run, so its methods and those of the pattern
// stores it hands out must be safe for concurrent use.
type Conn interface {
	// Close releases the connection and, for embedded stores that own
	// temporary data, removes that data.
	Close() error
}

// Versioner is an optional interface a Conn implements to report the store's
// version (server version, library version), which results record. If a Conn
// does not implement it, the version is recorded as unknown.
type Versioner interface {
	Version(ctx context.Context) (string, error)
}

// MemoryBounder is an optional interface a Conn implements to report the
// memory bound its server runs under — a cap on the server's caches or on
// the memory it may use (PostgreSQL started with a bound, Redis's
// maxmemory), read from the server itself — so that results of a data set
// larger than the bound say so. It returns "" when the server runs without
// one.
type MemoryBounder interface {
	MemoryBound(ctx context.Context) (string, error)
}

// Settingser is an optional interface of a Conn whose driver makes choices
// that change what is measured — a query cache on or off, writes checked
// or blind, the transaction style of reads — so that results state them
// beside the figures. Settings returns them by name, in words
// ("cache": "off").
type Settingser interface {
	Settings() map[string]string
}

// Sink is an optional interface implemented by stores that accept every
// operation and keep nothing (the noop driver). Their answers are not
// checked: validation is reported as skipped.
type Sink interface {
	// DiscardsData reports whether the store throws away what it is given.
	DiscardsData() bool
}

// DSNParser is an optional interface a Driver implements to check a DSN
// without connecting, so that a malformed one is refused before a run
// starts rather than failing its cells. ParseDSN returns nil for a DSN
// Open would accept, else an error that says what is wrong and never shows
// a password. If a driver does not implement it, its DSNs are checked only
// when Open is called.
type DSNParser interface {
	ParseDSN(dsn string) error
}

// ParseDSN checks dsn with the driver registered under name, if that driver
// implements DSNParser; an unknown name is an error. The error is scrubbed
// of the DSN's secrets whatever the driver wrote.
func ParseDSN(name, dsn string) error {
	d, ok := Lookup(name)
	if !ok {
		return fmt.Errorf("unknown store %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	p, ok := d.(DSNParser)
	if !ok {
		return nil
	}
	if err := p.ParseDSN(dsn); err != nil {
		return errors.New(NewRedactor(dsn).Redact(err.Error()))
	}
	return nil
}

// NestedDSNs is an optional interface of a Driver whose DSN names other
// stores' DSNs (a placement file): NestedDSNs returns them, expanded as
// Open would, so that their secrets are redacted from output like those
// of the DSN itself. If a driver does not implement it, only dsn's own
// secrets are known.
type NestedDSNs interface {
	NestedDSNs(dsn string) []string
}

// RedactorFor returns a Redactor of the secrets of dsn, a DSN of the store
// name, and of the DSNs nested in it (NestedDSNs).
func RedactorFor(name, dsn string) *Redactor {
	r := NewRedactor(dsn)
	if d, ok := Lookup(name); ok {
		if n, ok := d.(NestedDSNs); ok {
			for _, x := range n.NestedDSNs(dsn) {
				r.Add(x)
			}
		}
	}
	return r
}

// MemoryResident is an optional interface of a Driver whose stores can keep
// all their data in storefit's own memory (the memory oracle, an in-memory
// DuckDB): MemoryResident reports whether a store opened with dsn does.
// Before loading such a store, storefit estimates the memory the data will
// take and refuses, unless forced, what will not fit. If a driver does not
// implement it, its stores are taken to keep their data elsewhere (on disk,
// in a server).
type MemoryResident interface {
	MemoryResident(dsn string) bool
}

// IsMemoryResident reports whether the store name opened with dsn keeps its
// data in storefit's memory (see MemoryResident).
func IsMemoryResident(name, dsn string) bool {
	d, ok := Lookup(name)
	if !ok {
		return false
	}
	m, ok := d.(MemoryResident)
	return ok && m.MemoryResident(dsn)
}

// Info describes a driver for `storefit list` and results.
type Info struct {
	// Summary is one line on what the store is.
	Summary string
	// Conn is a zero value of the driver's Conn type (e.g. (*Conn)(nil)):
	// the patterns it supports are found on it by type assertion, as
	// workloads do on a live connection, so listing them needs no server.
	Conn Conn
	// Embedded is true for stores that run inside storefit (no server).
	Embedded bool
	// Composite is true for a driver that has no store of its own but opens
	// other drivers' stores (a placement of the twitter scenario): it needs
	// no server and no compose service of its own.
	Composite bool
	// Oracle is true for the reference implementation answers are checked
	// against (memory): it is measured like any store, but recommendations
	// leave it out unless asked, since it keeps nothing durable.
	Oracle bool
	// DSNExample shows the form of a DSN.
	DSNExample string
	// Libraries are the Go modules of the store's client (or, for an
	// embedded store, of the store itself), whose versions `storefit
	// version` prints; none for a store written in storefit.
	Libraries []string
}

// Describer is an optional interface a Driver implements to describe itself.
// If a driver does not implement it, `storefit list` shows no details.
type Describer interface {
	Describe() Info
}

// Describe returns the Info of the driver registered under name, if any.
func Describe(name string) (Info, bool) {
	d, ok := Lookup(name)
	if !ok {
		return Info{}, false
	}
	ds, ok := d.(Describer)
	if !ok {
		return Info{}, false
	}
	return ds.Describe(), true
}

// LoadFinisher is an optional interface of a pattern store (point.Store,
// agg.Store, …) that defers work during bulk loading — secondary indexes,
// statistics, a final flush — and does it once every loader is done. The
// runner calls it at the end of the load phase, which it times. If a store
// does not implement it, nothing is called. Loads may still follow
// FinishLoad (conformance tests append data), and must stay correct.
type LoadFinisher interface {
	FinishLoad(ctx context.Context) error
}

// DirBytes returns the total size of the regular files under dir: the
// on-disk size of an embedded store that keeps its data there.
func DirBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking (compaction, checkpoint)
			}
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			n += info.Size()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("size of %s: %w", dir, err)
	}
	return n, nil
}

// FilesBytes returns the total size of the files at paths, skipping those
// that do not exist (a write-ahead log between checkpoints): the on-disk
// size of an embedded store kept in a database file and its log.
func FilesBytes(paths ...string) (int64, error) {
	var n int64
	for _, p := range paths {
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, err
		}
		n += info.Size()
	}
	return n, nil
}

// Refresher is an optional interface of a pattern store whose reads may
// not see an acknowledged write at once: a search engine that publishes
// writes at its refresh interval, a replicated store that acknowledges a
// write on one replica and may read from another. Before the verify step
// reads back what a run wrote, storefit calls Refresh; from its return on,
// reads through this store must see every write acknowledged before the
// call (a search engine refreshes its index; a replicated store reads at a
// consistency level that overlaps every write's, as its operators would
// for an audit). If a store does not implement it, every acknowledged write
// must be visible to the reads that follow it.
type Refresher interface {
	Refresh(ctx context.Context) error
}

// ErrUnsupported reports that a store does not implement an access pattern or
// an operation of it. Reports show it as "n/a". Test for it with errors.Is.
var ErrUnsupported = errors.New("not supported by this store")

// ErrNotFound reports that a record asked for by key does not exist.
var ErrNotFound = errors.New("not found")

var (
	mu       sync.RWMutex
	registry = map[string]Driver{}
)

// Register makes a driver available under name. It panics if name is empty,
// d is nil, or the name is already taken: those are programming errors, found
// by the first run of the program.
func Register(name string, d Driver) {
	mu.Lock()
	defer mu.Unlock()
	if name == "" || strings.Contains(name, ":") {
		panic("drivers: Register with an empty name or one with a colon: " + name)
	}
	if d == nil {
		panic("drivers: Register driver is nil")
	}
	if _, dup := registry[name]; dup {
		panic("drivers: Register called twice for driver " + name)
	}
	registry[name] = d
}

// Names returns the names of the registered drivers, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Lookup returns the driver registered under name. A name may carry a
// label after a colon ("placement:polyglot"): the driver is the one
// registered under the part before it, and results keep the whole name, so
// one driver opened with different DSNs is compared as different stores.
func Lookup(name string) (Driver, bool) {
	mu.RLock()
	defer mu.RUnlock()
	base, _, _ := strings.Cut(name, ":")
	d, ok := registry[base]
	return d, ok
}

// Open opens a connection with the driver registered under name. An unknown
// name gives an error that lists the known ones.
func Open(ctx context.Context, name, dsn string) (Conn, error) {
	d, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown store %q (known: %s; a driver package not imported?)", name, strings.Join(Names(), ", "))
	}
	c, err := d.Open(ctx, dsn)
	if err != nil {
		return nil, redactedError{fmt.Errorf("open %s %s: %w", name, RedactDSN(dsn), err), NewRedactor(dsn)}
	}
	return c, nil
}

// Version returns c's version if it implements Versioner, or "unknown".
func Version(ctx context.Context, c Conn) string {
	v, ok := c.(Versioner)
	if !ok {
		return "unknown"
	}
	s, err := v.Version(ctx)
	if err != nil || s == "" {
		return "unknown"
	}
	return s
}

// MemoryBound returns the memory bound c's server runs under if c
// implements MemoryBounder, or "" (none, or it cannot tell).
func MemoryBound(ctx context.Context, c Conn) (string, error) {
	m, ok := c.(MemoryBounder)
	if !ok {
		return "", nil
	}
	return m.MemoryBound(ctx)
}

// Settings returns c's store-side settings if it implements Settingser,
// else nil.
func Settings(c Conn) map[string]string {
	if s, ok := c.(Settingser); ok {
		return s.Settings()
	}
	return nil
}

// DiscardsData reports whether c is a Sink that keeps nothing.
func DiscardsData(c Conn) bool {
	s, ok := c.(Sink)
	return ok && s.DiscardsData()
}

// redactedError is an error whose text is scrubbed of secrets; errors.Is
// and errors.As still see the error it wraps.
type redactedError struct {
	err error
	r   *Redactor
}

func (e redactedError) Error() string { return e.r.Redact(e.err.Error()) }
func (e redactedError) Unwrap() error { return e.err }
