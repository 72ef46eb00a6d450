#!/usr/bin/env bash
# InfluxDB 1.x for storefit without Docker: Debian's influxdb package (1.6),
# started as a throw-away benchmark server. Follows the contract in lib.sh:
#
#   influx.sh start | stop | status | dsn
#
# The server runs as
#
#   influxd run -config <dir>/influxdb.conf -pidfile <dir>/influxd.pid
#
# with <dir> = $STOREFIT_NATIVE_DIR/influx holding the configuration, the
# meta, data and WAL directories and influxd.log; `stop` removes it. The
# configuration (written by write_conf below) listens on 127.0.0.1 only (HTTP
# API on PORT, the backup RPC service on PORT+2), keeps no _internal
# monitoring database and no usage reporting, logs no request or query (a
# log line per write would cost the ingest figure), and keeps a WAL without
# fsync delay, as Debian's default configuration does. Authentication is
# off: the server is reachable from this machine only and lives as long as a
# run.
#
# The DSN is http://127.0.0.1:PORT?db=storefit: the influx driver creates
# the database itself.
#
# Environment:
#   STOREFIT_INFLUX_PORT  HTTP port on 127.0.0.1 (default 8086; the backup
#                         service takes this + 2)
#
# Idempotent: start finds a server it started before by its pid file and only
# prints the DSN; a lock serializes concurrent starts and stops.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${STOREFIT_INFLUX_PORT:-8086}
DIR=$STOREFIT_NATIVE_DIR/influx
PIDFILE=$DIR/influxd.pid

case "$PORT" in
'' | *[!0-9]*) die "influx: STOREFIT_INFLUX_PORT=$PORT is not a port number" ;;
esac
RPC_PORT=$((PORT + 2))

dsn() { echo "http://127.0.0.1:$PORT?db=storefit"; }

# ping: true if the server answers /ping with 204 No Content.
ping() {
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
	printf 'GET /ping HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
	local status
	IFS= read -r -t 5 status <&3 || { exec 3>&-; return 1; }
	exec 3>&-
	[[ $status == HTTP/1.?" 204"* ]]
}

# pid prints the pid of the server this script started, if it still runs.
pid() {
	[ -f "$PIDFILE" ] || return 1
	local p
	p=$(cat "$PIDFILE" 2>/dev/null) || return 1
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
	grep -q influxd "/proc/$p/comm" 2>/dev/null || return 1
	echo "$p"
}

lock() {
	mkdir -p "$STOREFIT_NATIVE_DIR"
	exec 9>"$STOREFIT_NATIVE_DIR/.influx.lock"
	flock 9
}

write_conf() {
	cat >"$DIR/influxdb.conf" <<EOF
# storefit (compose/native/influx.sh): a benchmark server on loopback.
reporting-disabled = true
bind-address = "127.0.0.1:$RPC_PORT"

[meta]
  dir = "$DIR/meta"
  retention-autocreate = true
  logging-enabled = false

[data]
  dir = "$DIR/data"
  wal-dir = "$DIR/wal"
  wal-fsync-delay = "0s"
  # The in-memory index: fine for the few thousand series of a benchmark.
  index-version = "inmem"
  query-log-enabled = false
  cache-max-memory-size = "1g"
  cache-snapshot-memory-size = "25m"

[coordinator]
  write-timeout = "30s"

[monitor]
  # No _internal database: its writes every 10 s would share the disk and
  # cores with the workload.
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:$PORT"
  auth-enabled = false
  log-enabled = false
  suppress-write-log = true
  pprof-enabled = false
  max-body-size = 0
  flux-enabled = false

[logging]
  level = "warn"
  suppress-logo = true

[continuous_queries]
  enabled = false
EOF
}

start() {
	need_packages influxdb
	command -v influxd >/dev/null || die "influx: influxd not found after installing the influxdb package"
	lock
	if pid >/dev/null; then
		wait_for 30 ping || die "influx: the server started before (pid $(pid)) does not answer on 127.0.0.1:$PORT; run '$0 stop'"
		dsn
		return 0
	fi
	port_free "$PORT" || die "influx: 127.0.0.1:$PORT is taken by a server this script did not start; stop it or set STOREFIT_INFLUX_PORT"
	port_free "$RPC_PORT" || die "influx: 127.0.0.1:$RPC_PORT (the backup service, port + 2) is taken; set STOREFIT_INFLUX_PORT"
	rm -rf "$DIR"
	mkdir -p "$DIR"
	chmod 700 "$DIR"
	write_conf
	log "influx: starting influxd $(influxd version 2>/dev/null | awk '{print $2}') on 127.0.0.1:$PORT (data in $DIR)"
	# fd 9 (the lock) is closed for the daemon, or it would hold the lock.
	setsid influxd run -config "$DIR/influxdb.conf" -pidfile "$PIDFILE" \
		9>&- </dev/null >>"$DIR/influxd.log" 2>&1 &
	wait_for 60 ping || die "influx: no answer on 127.0.0.1:$PORT after 60 s; see $DIR/influxd.log"
	pid >/dev/null || die "influx: influxd answers but wrote no pid file; see $DIR/influxd.log"
	dsn
}

stop() {
	lock
	local p
	if p=$(pid); then
		log "influx: stopping pid $p"
		kill -TERM "$p"
		local deadline=$((SECONDS + 30))
		while kill -0 "$p" 2>/dev/null; do
			[ $SECONDS -ge $deadline ] && die "influx: pid $p did not stop within 30 s"
			sleep 0.1
		done
	fi
	rm -rf "$DIR"
}

status() {
	pid >/dev/null && ping || return 1
	dsn
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
dsn) dsn ;;
pid) pid ;;
*)
	echo "usage: $0 start|stop|status|dsn|pid" >&2
	exit 2
	;;
esac
