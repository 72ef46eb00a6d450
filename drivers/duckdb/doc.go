// Package duckdb is the DuckDB driver.
package duckdb
