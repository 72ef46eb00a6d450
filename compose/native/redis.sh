#!/usr/bin/env bash
# Redis for storefit without Docker: Debian's redis-server package, started
# as a throw-away benchmark server. Follows the contract in lib.sh:
#
#   redis.sh start | stop | status | dsn
#
# The server runs as
#
#   redis-server <dir>/redis.conf --bind 127.0.0.1 --port PORT --save '' \
#       --appendonly no --daemonize yes --dir <dir> --pidfile <dir>/redis.pid \
#       --logfile <dir>/redis.log
#
# with <dir> = $STOREFIT_NATIVE_DIR/redis: loopback only, no persistence (no
# RDB snapshots, no AOF: a benchmark server must not spend time on disk
# writes the figures would then include), its data removed by `stop`.
# redis.conf holds only the password, if any, so it never shows in `ps`.
#
# Environment:
#   STOREFIT_REDIS_PORT      port on 127.0.0.1 (default 6379)
#   STOREFIT_REDIS_PASSWORD  if set, the server requires it (requirepass) and
#                            the DSN carries it: redis://:PASSWORD@127.0.0.1:PORT/0
#
# Idempotent: start finds a server it started before by its pid file and only
# prints the DSN; a lock serializes concurrent starts and stops.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${STOREFIT_REDIS_PORT:-6379}
PASSWORD=${STOREFIT_REDIS_PASSWORD:-}
DIR=$STOREFIT_NATIVE_DIR/redis
PIDFILE=$DIR/redis.pid

case "$PORT" in
'' | *[!0-9]*) die "redis: STOREFIT_REDIS_PORT=$PORT is not a port number" ;;
esac

# urlencode S prints S percent-encoded for the userinfo part of a URL.
urlencode() {
	local s=$1 out="" c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case "$c" in
		[a-zA-Z0-9._~-]) out+=$c ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf '%s' "$out"
}

dsn() {
	if [ -n "$PASSWORD" ]; then
		echo "redis://:$(urlencode "$PASSWORD")@127.0.0.1:$PORT/0"
	else
		echo "redis://127.0.0.1:$PORT/0"
	fi
}

# ping: true if the server on PORT answers PONG (with the password, passed
# in the environment so it does not show in `ps`).
ping() {
	[ "$(REDISCLI_AUTH=$PASSWORD redis-cli --no-auth-warning -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = PONG ]
}

# pid prints the pid of the server this script started, if it still runs.
pid() {
	[ -f "$PIDFILE" ] || return 1
	local p
	p=$(cat "$PIDFILE" 2>/dev/null) || return 1
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
	grep -q redis "/proc/$p/comm" 2>/dev/null || return 1
	echo "$p"
}

lock() {
	mkdir -p "$STOREFIT_NATIVE_DIR"
	exec 9>"$STOREFIT_NATIVE_DIR/.redis.lock"
	flock 9
}

start() {
	need_packages redis-server
	lock
	if pid >/dev/null; then
		wait_for 30 ping || die "redis: the server started before (pid $(pid)) does not answer on 127.0.0.1:$PORT; run '$0 stop'"
		dsn
		return 0
	fi
	port_free "$PORT" || die "redis: 127.0.0.1:$PORT is taken by a server this script did not start; stop it or set STOREFIT_REDIS_PORT"
	rm -rf "$DIR"
	mkdir -p "$DIR"
	chmod 700 "$DIR"
	: >"$DIR/redis.conf"
	chmod 600 "$DIR/redis.conf"
	if [ -n "$PASSWORD" ]; then
		printf 'requirepass "%s"\n' "${PASSWORD//\"/\\\"}" >"$DIR/redis.conf"
	fi
	log "redis: starting redis-server on 127.0.0.1:$PORT (data in $DIR)"
	# fd 9 (the lock) is closed for the daemon, or it would hold the lock.
	redis-server "$DIR/redis.conf" --bind 127.0.0.1 --port "$PORT" --save '' --appendonly no \
		--daemonize yes --dir "$DIR" --pidfile "$PIDFILE" --logfile "$DIR/redis.log" \
		9>&- </dev/null >/dev/null 2>&1 ||
		die "redis: redis-server failed to start; see $DIR/redis.log"
	wait_for 30 ping || die "redis: no answer on 127.0.0.1:$PORT after 30 s; see $DIR/redis.log"
	dsn
}

stop() {
	lock
	local p
	if p=$(pid); then
		log "redis: stopping pid $p"
		kill -TERM "$p"
		local deadline=$((SECONDS + 30))
		while kill -0 "$p" 2>/dev/null; do
			[ $SECONDS -ge $deadline ] && die "redis: pid $p did not stop within 30 s"
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
