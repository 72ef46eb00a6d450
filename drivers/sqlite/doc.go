// Package sqlite is the storefit driver for SQLite, through
// modernc.org/sqlite (SQLite compiled to pure Go: no cgo).
//
// Patterns are added one per file (point.go, …); doc.go describes them as
// they land.
package sqlite
