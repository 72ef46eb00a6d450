#!/usr/bin/env bash
# Debezium for storefit without Docker: a Kafka Connect worker in standalone
# mode (org.apache.kafka:connect-runtime) with Debezium's PostgreSQL
# connector (io.debezium:debezium-connector-postgres) on its class path,
# from the jars Maven resolves from jvm/debezium/pom.xml, as one JVM process.
# Connect is the Kafka release Debezium is built against (4.3.0 for
# Debezium 3.6.1: see the pom), talking to the 4.4.0 broker.
# Follows the contract in lib.sh:
#
#   debezium.sh start | stop | status | dsn
#
# The worker's REST API listens on 127.0.0.1:PORT; connectors are created,
# replaced and deleted through it exactly as on a distributed worker (the
# cdc/debezium package does so). It writes to the Kafka broker of
# compose/native/kafka.sh: start runs `kafka.sh start` first, which starts
# the broker, or waits for a start under way (CI starts the scripts in
# parallel), or only prints its DSN. It runs
#
#   java <heap, G1> -cp '<lib>/*' org.apache.kafka.connect.cli.ConnectStandalone <dir>/worker.properties
#
# with <dir> = $STOREFIT_NATIVE_DIR/debezium holding worker.properties
# (jvm/debezium/worker.properties with the broker, port and directory filled
# in), the source offsets file, connect.log and the pid file; `stop` removes
# it (it leaves Kafka running: `kafka.sh stop` stops that). The DSN is the
# REST endpoint, http://127.0.0.1:PORT. Start waits until the worker lists
# Debezium's PostgresConnector among its plugins.
#
# Standalone rather than distributed mode: no internal config, offset and
# status topics to create and no group rebalance before the REST API
# serves, so it starts in seconds; the REST API is the same, so what
# registers a connector here registers it on docker-compose's distributed
# worker too. What standalone loses — connector configurations survive no
# restart of the worker — does not matter for a benchmark that registers
# its connector at every run (and `stop` removes the data anyway).
#
# Times measured on our 2-core machine, Kafka already up: start to ready
# 5 s when the machine is idle, 11–18 s while other servers and tests keep
# it busy (load average 8–12); from an empty Maven repository, Maven adds
# 4–15 s (41 MB of jars). Stop takes about 2 s. Heap 512 MiB at most
# (-Xms128m).
#
# Environment:
#   STOREFIT_DEBEZIUM_PORT   REST port on 127.0.0.1 (default 8083)
#   STOREFIT_DEBEZIUM_HEAP   JVM heap, -Xmx (default 512m)
#   STOREFIT_DEBEZIUM_JAVA   the java binary (default: java on PATH; 17 or newer)
#   STOREFIT_KAFKA_*         passed on to kafka.sh (ports, heap)
#   STOREFIT_CACHE_DIR       where the jars are kept (default
#                            ${XDG_CACHE_HOME:-~/.cache}/storefit)
#   STOREFIT_MAVEN_ARGS      extra mvn arguments (e.g. -Dmaven.repo.local=DIR)
#
# Idempotent: start finds a worker it started before by its pid file and
# only prints the DSN; a lock serializes concurrent starts and stops.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JVMDIR=$HERE/jvm/debezium
PORT=${STOREFIT_DEBEZIUM_PORT:-8083}
HEAP=${STOREFIT_DEBEZIUM_HEAP:-512m}
JAVA=${STOREFIT_DEBEZIUM_JAVA:-java}
DIR=$STOREFIT_NATIVE_DIR/debezium
PIDFILE=$DIR/connect.pid
LOG=$DIR/connect.log

case "$PORT" in
'' | *[!0-9]*) die "debezium: STOREFIT_DEBEZIUM_PORT=$PORT is not a port number" ;;
esac
case "$HEAP" in
[1-9]*[mMgG]) ;;
*) die "debezium: STOREFIT_DEBEZIUM_HEAP=$HEAP: use a size like 512m or 1g" ;;
esac

# The releases the pom resolves, and where their jars are kept.
CONNECT_VERSION=$(sed -n 's:.*<connect.version>\(.*\)</connect.version>.*:\1:p' "$JVMDIR/pom.xml")
VERSION=$(sed -n 's:.*<debezium.version>\(.*\)</debezium.version>.*:\1:p' "$JVMDIR/pom.xml")
{ [ -n "$VERSION" ] && [ -n "$CONNECT_VERSION" ]; } || die "debezium: no debezium.version or connect.version in $JVMDIR/pom.xml"
CACHE=${STOREFIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/storefit}
LIB=$CACHE/jvm/debezium-$VERSION-connect-$CONNECT_VERSION

dsn() { echo "http://127.0.0.1:$PORT"; }

# ready: the REST API answers and lists Debezium's PostgreSQL connector
# (the worker has loaded its plugins and its herder runs).
ready() {
	curl -fsS --max-time 2 "http://127.0.0.1:$PORT/connector-plugins" 2>/dev/null |
		grep -q 'io.debezium.connector.postgresql.PostgresConnector'
}

# pid prints the pid of the worker this script started, if it still runs.
pid() {
	[ -f "$PIDFILE" ] || return 1
	local p
	p=$(cat "$PIDFILE" 2>/dev/null) || return 1
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
	tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q ' org.apache.kafka.connect.cli.ConnectStandalone ' || return 1
	echo "$p"
}

lock() {
	mkdir -p "$STOREFIT_NATIVE_DIR"
	exec 9>"$STOREFIT_NATIVE_DIR/.debezium.lock"
	flock 9
}

# resolve copies the worker's and the connector's jars into $LIB (lib.sh's
# maven_jars).
resolve() {
	maven_jars debezium "$JVMDIR/pom.xml" "$LIB" "Debezium $VERSION and Kafka Connect $CONNECT_VERSION" \
		"debezium-connector-postgres-$VERSION.jar" "connect-runtime-$CONNECT_VERSION.jar"
}

# check_java dies unless $JAVA is Java 17 or newer, installing Debian's
# JDK 17 when there is no java at all.
check_java() {
	if ! command -v "$JAVA" >/dev/null 2>&1; then
		[ "$JAVA" = java ] || die "debezium: STOREFIT_DEBEZIUM_JAVA=$JAVA is not a program"
		need_packages openjdk-17-jre-headless
	fi
	local v
	v=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
	case "$v" in
	1.* | 9 | 1[0-6] | '') die "debezium: $JAVA is Java ${v:-of unknown version}; Kafka Connect $CONNECT_VERSION and Debezium $VERSION need 17 or newer (set STOREFIT_DEBEZIUM_JAVA)" ;;
	esac
}

start() {
	lock
	if pid >/dev/null; then
		wait_for 120 ready || die "debezium: the worker started before (pid $(pid)) does not answer on 127.0.0.1:$PORT; see $LOG or run '$0 stop'"
		dsn
		return 0
	fi
	port_free "$PORT" || die "debezium: 127.0.0.1:$PORT is taken by a server this script did not start; stop it or set STOREFIT_DEBEZIUM_PORT"
	command -v curl >/dev/null 2>&1 || need_packages curl
	check_java
	# Resolve our jars while holding only our lock, then the broker: its
	# script serializes with a start of its own under way.
	resolve
	local kafka
	kafka=$(bash "$HERE/kafka.sh" start) || die "debezium: Kafka did not start (its message is above)"
	kafka=${kafka##*$'\n'}
	rm -rf "$DIR"
	mkdir -p "$DIR"
	chmod 700 "$DIR"
	sed -e "s|@BOOTSTRAP@|${kafka#kafka://}|g" -e "s|@DIR@|$DIR|g" -e "s|@PORT@|$PORT|g" \
		"$JVMDIR/worker.properties" >"$DIR/worker.properties"
	log "debezium: starting Kafka Connect $CONNECT_VERSION (standalone) with Debezium $VERSION on 127.0.0.1:$PORT (heap $HEAP, Kafka $kafka, data in $DIR)"
	# setsid: the worker outlives this script and its terminal; fd 9 (the
	# lock) is closed for it, or it would hold the lock.
	setsid "$JAVA" -Xms128m "-Xmx$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		-XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
		-Djava.awt.headless=true -Dstorefit.connect.log="$LOG" -Dlog4j2.configurationFile="$JVMDIR/log4j2.xml" \
		-cp "$LIB/*" org.apache.kafka.connect.cli.ConnectStandalone "$DIR/worker.properties" \
		9>&- </dev/null >"$DIR/stdout.log" 2>&1 &
	echo $! >"$PIDFILE"
	local p=$! deadline=$((SECONDS + 120))
	until ready; do
		if ! kill -0 "$p" 2>/dev/null; then
			tail -n 5 "$DIR/stdout.log" >&2
			grep -E '\] (ERROR|FATAL) ' "$LOG" 2>/dev/null | tail -n 5 >&2
			die "debezium: the worker exited during start; see $LOG"
		fi
		[ $SECONDS -ge $deadline ] && die "debezium: no answer on 127.0.0.1:$PORT after 120 s; see $LOG"
		sleep 0.3
	done
	log "debezium: ready after $SECONDS s"
	dsn
}

stop() {
	lock
	local p
	if p=$(pid); then
		stop_pid debezium "$p" 30
	fi
	rm -rf "$DIR"
}

status() {
	pid >/dev/null && ready || return 1
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
