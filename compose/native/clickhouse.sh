#!/usr/bin/env bash
# ClickHouse for storefit without Docker: Debian's clickhouse-server and
# clickhouse-client packages (18.16, the only ClickHouse Debian ships),
# started as a throw-away benchmark server. Follows the contract in lib.sh:
#
#   clickhouse.sh start | stop | status | dsn
#
# The server runs as
#
#   clickhouse-server --config-file=<dir>/config.xml --pid-file=<dir>/clickhouse.pid --daemon
#
# with <dir> = $STOREFIT_NATIVE_DIR/clickhouse holding config.xml and
# users.xml (written by write_conf below), the data, temporary files and
# logs; `stop` removes it. It listens on 127.0.0.1 only: the native protocol
# on PORT (what the driver speaks) and HTTP on HTTP_PORT (for
# clickhouse-client-less checks); no interserver port, no replication, no
# query log. Time zone UTC. One user, storefit, with the password below, and
# a database storefit.
#
# The DSN is clickhouse://storefit:PASSWORD@127.0.0.1:PORT/storefit.
#
# Environment:
#   STOREFIT_CLICKHOUSE_PORT       native protocol port on 127.0.0.1 (default 9000)
#   STOREFIT_CLICKHOUSE_HTTP_PORT  HTTP port on 127.0.0.1 (default 8123)
#   STOREFIT_CLICKHOUSE_PASSWORD   password of the storefit user (default storefit,
#                                  the password of the driver's default DSN)
#
# Idempotent: start finds a server it started before by its pid file and only
# prints the DSN; a lock serializes concurrent starts and stops.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${STOREFIT_CLICKHOUSE_PORT:-9000}
HTTP_PORT=${STOREFIT_CLICKHOUSE_HTTP_PORT:-8123}
PASSWORD=${STOREFIT_CLICKHOUSE_PASSWORD:-storefit}
DIR=$STOREFIT_NATIVE_DIR/clickhouse
PIDFILE=$DIR/clickhouse.pid

for v in PORT HTTP_PORT; do
	case "${!v}" in
	'' | *[!0-9]*) die "clickhouse: STOREFIT_CLICKHOUSE_$v=${!v} is not a port number" ;;
	esac
done

dsn() {
	local pw
	pw=$(printf '%s' "$PASSWORD" | od -An -tx1 -v | tr -d ' \n' | sed 's/../%&/g')
	case "$PASSWORD" in
	*[!A-Za-z0-9._~-]*) ;;
	*) pw=$PASSWORD ;;
	esac
	echo "clickhouse://storefit:$pw@127.0.0.1:$PORT/storefit"
}

# client runs clickhouse-client as storefit, with the password in a config
# file of mode 0600 so that it does not show in `ps`.
client() {
	clickhouse-client --config-file="$DIR/client.xml" --host 127.0.0.1 --port "$PORT" "$@"
}

ping() { client -q 'SELECT 1' 2>/dev/null | grep -qx 1; }

# pid prints the pid of the server this script started, if it still runs.
pid() {
	[ -f "$PIDFILE" ] || return 1
	local p
	p=$(cat "$PIDFILE" 2>/dev/null) || return 1
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
	grep -q clickhouse "/proc/$p/comm" 2>/dev/null || return 1
	echo "$p"
}

lock() {
	mkdir -p "$STOREFIT_NATIVE_DIR"
	exec 9>"$STOREFIT_NATIVE_DIR/.clickhouse.lock"
	flock 9
}

# xml_escape S prints S with XML's special characters escaped.
xml_escape() {
	local s=$1
	# Quoted replacements: bash 5.2 reads a bare & there as the match.
	s=${s//&/"&amp;"}
	s=${s//</"&lt;"}
	s=${s//>/"&gt;"}
	s=${s//\"/"&quot;"}
	printf '%s' "$s"
}

write_conf() {
	cat >"$DIR/config.xml" <<XML
<?xml version="1.0"?>
<!-- storefit (compose/native/clickhouse.sh): a benchmark server on loopback. -->
<yandex>
    <logger>
        <level>warning</level>
        <log>$DIR/log/clickhouse-server.log</log>
        <errorlog>$DIR/log/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>1</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>$PORT</tcp_port>
    <http_port>$HTTP_PORT</http_port>
    <max_connections>1024</max_connections>
    <keep_alive_timeout>10</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <!-- Caches sized for a 24 GiB machine shared with other servers. -->
    <uncompressed_cache_size>1073741824</uncompressed_cache_size>
    <mark_cache_size>1073741824</mark_cache_size>
    <path>$DIR/data/</path>
    <tmp_path>$DIR/tmp/</tmp_path>
    <user_files_path>$DIR/user_files/</user_files_path>
    <format_schema_path>$DIR/format_schemas/</format_schema_path>
    <users_config>$DIR/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>0</builtin_dictionaries_reload_interval>
</yandex>
XML
	cat >"$DIR/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>8000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <storefit>
            <password>$(xml_escape "$PASSWORD")</password>
            <networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </storefit>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
XML
	cat >"$DIR/client.xml" <<XML
<?xml version="1.0"?>
<config>
    <user>storefit</user>
    <password>$(xml_escape "$PASSWORD")</password>
</config>
XML
	chmod 600 "$DIR/users.xml" "$DIR/client.xml"
}

start() {
	need_packages clickhouse-server clickhouse-client
	command -v clickhouse-server >/dev/null || die "clickhouse: clickhouse-server not found after installing the package"
	lock
	if pid >/dev/null; then
		wait_for 30 ping || die "clickhouse: the server started before (pid $(pid)) does not answer on 127.0.0.1:$PORT; run '$0 stop'"
		dsn
		return 0
	fi
	port_free "$PORT" || die "clickhouse: 127.0.0.1:$PORT is taken by a server this script did not start; stop it or set STOREFIT_CLICKHOUSE_PORT"
	port_free "$HTTP_PORT" || die "clickhouse: 127.0.0.1:$HTTP_PORT is taken; set STOREFIT_CLICKHOUSE_HTTP_PORT"
	rm -rf "$DIR"
	mkdir -p "$DIR/log" "$DIR/data" "$DIR/tmp" "$DIR/user_files" "$DIR/format_schemas"
	chmod 700 "$DIR"
	write_conf
	log "clickhouse: starting clickhouse-server $(dpkg-query -W -f='${Version}' clickhouse-server 2>/dev/null) on 127.0.0.1:$PORT (data in $DIR)"
	# fd 9 (the lock) is closed for the daemon, or it would hold the lock.
	clickhouse-server --config-file="$DIR/config.xml" --pid-file="$PIDFILE" --daemon \
		9>&- </dev/null >>"$DIR/log/stdout.log" 2>&1 ||
		die "clickhouse: clickhouse-server failed to start; see $DIR/log/"
	wait_for 60 ping || die "clickhouse: no answer on 127.0.0.1:$PORT after 60 s; see $DIR/log/clickhouse-server.err.log"
	client -q 'CREATE DATABASE IF NOT EXISTS storefit' || die "clickhouse: could not create the storefit database"
	dsn
}

stop() {
	lock
	local p
	if p=$(pid); then
		log "clickhouse: stopping pid $p"
		kill -TERM "$p"
		local deadline=$((SECONDS + 60))
		while kill -0 "$p" 2>/dev/null; do
			[ $SECONDS -ge $deadline ] && die "clickhouse: pid $p did not stop within 60 s"
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
