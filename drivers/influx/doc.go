// Package influx is the storefit driver for InfluxDB.
package influx
