// Package clickhouse is the storefit driver for ClickHouse.
package clickhouse
