#!/usr/bin/env bash
# OpenSearch 2.19 for storefit without Docker: the server's published jars
# from Maven Central, run as a plain JVM process. Follows the contract in
# lib.sh:
#
#   opensearch.sh start | stop | status | dsn
#
# Why OpenSearch and not Elasticsearch 8: the Elasticsearch 8 server jar is
# published, but the module that serves HTTP (transport-netty4) is not (for
# 8.x neither org.elasticsearch.plugin:transport-netty4-client nor
# :transport-netty4 exists), so an Elasticsearch 8 node built from published
# jars cannot answer a client. OpenSearch publishes its server, its Netty 4
# transport and its analysis-common module (2.19.6 is the newest line that
# runs on JDK 17).
#
# start resolves the jars on first use (jvm/opensearch/pom.xml, `mvn -q -B
# package`: they land in the Maven local repository and are laid out in
# jvm/opensearch/home/, not committed), copies that home and the config of
# jvm/opensearch/config/ to <dir> = $STOREFIT_NATIVE_DIR/opensearch, and runs
#
#   java -Xms512m -Xmx512m … -Dopensearch.path.home=<dir>/home \
#       -Dopensearch.path.conf=<dir>/config -cp '<dir>/home/lib/*' \
#       org.opensearch.bootstrap.OpenSearch -Epath.data=<dir>/data …
#
# one node (discovery.type single-node) on 127.0.0.1, HTTP without TLS or
# authentication (the security plugin is not among the core jars), data and
# logs under <dir>, removed by `stop`. OpenSearch refuses to run as root: run
# as root, the script runs it as the system user "opensearch" (created if
# missing). It waits until the cluster health is at least yellow and prints
# the DSN, http://127.0.0.1:PORT.
#
# Environment:
#   STOREFIT_OPENSEARCH_PORT  HTTP port on 127.0.0.1 (default 9200); the
#                             node-to-node transport takes the first free port
#                             of 9300-9400
#   STOREFIT_OPENSEARCH_HEAP  JVM heap, -Xms = -Xmx (default 512m)
#   JAVA_HOME                 the JDK to run (17 or newer; default: java on PATH)
#
# Idempotent: start finds a server it started before by its pid file and only
# prints the DSN; a lock serializes concurrent starts and stops.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${STOREFIT_OPENSEARCH_PORT:-9200}
HEAP=${STOREFIT_OPENSEARCH_HEAP:-512m}
JVM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/jvm/opensearch" && pwd)
DIR=$STOREFIT_NATIVE_DIR/opensearch
PIDFILE=$DIR/opensearch.pid
LOGFILE=$DIR/opensearch.log
RUN_USER=opensearch

case "$PORT" in
'' | *[!0-9]*) die "opensearch: STOREFIT_OPENSEARCH_PORT=$PORT is not a port number" ;;
esac
case "$HEAP" in
[0-9]*[kmgKMG]) ;;
*) die "opensearch: STOREFIT_OPENSEARCH_HEAP=$HEAP is not a heap size (e.g. 512m, 1g)" ;;
esac

dsn() { echo "http://127.0.0.1:$PORT"; }

java_bin() {
	if [ -n "${JAVA_HOME:-}" ]; then
		echo "$JAVA_HOME/bin/java"
	else
		command -v java
	fi
}

# ping: true if the node answers with a cluster health of yellow or green.
ping() {
	curl -sf --max-time 2 "http://127.0.0.1:$PORT/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null |
		grep -q '"status":"\(green\|yellow\)"'
}

# pid prints the pid of the server this script started, if it still runs.
pid() {
	[ -f "$PIDFILE" ] || return 1
	local p
	p=$(cat "$PIDFILE" 2>/dev/null) || return 1
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
	grep -q java "/proc/$p/comm" 2>/dev/null || return 1
	echo "$p"
}

lock() {
	mkdir -p "$STOREFIT_NATIVE_DIR"
	exec 9>"$STOREFIT_NATIVE_DIR/.opensearch.lock"
	flock 9
}

# stamp prints a digest of what home/ is built from.
stamp() {
	cat "$JVM_DIR/pom.xml" "$JVM_DIR"/modules/*/* | sha256sum | cut -d' ' -f1
}

# resolve lays out jvm/opensearch/home with Maven unless it is there and
# built from the current pom.xml and module files.
resolve() {
	local want
	want=$(stamp)
	if [ -f "$JVM_DIR/home/.stamp" ] && [ "$(cat "$JVM_DIR/home/.stamp")" = "$want" ]; then
		return 0
	fi
	command -v mvn >/dev/null 2>&1 || need_packages maven
	log "opensearch: resolving the server's jars with Maven (first run: a few minutes)"
	rm -rf "${JVM_DIR:?}/home"
	local out
	out=$(mktemp)
	if ! maven -q -B -f "$JVM_DIR/pom.xml" package >"$out" 2>&1; then
		tail -n 20 "$out" >&2
		rm -f "$out"
		die "opensearch: mvn package in $JVM_DIR failed"
	fi
	rm -f "$out"
	echo "$want" >"$JVM_DIR/home/.stamp"
}

# run_as CMD... runs CMD as the server's user: exec'd in place (setpriv),
# so the pid of the background job is the JVM's.
run_as() {
	if [ "$(id -u)" -eq 0 ]; then
		exec setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups -- "$@"
	fi
	exec "$@"
}

start() {
	command -v curl >/dev/null 2>&1 || need_packages curl
	local java
	java=$(java_bin) || true
	if [ -z "$java" ] || [ ! -x "$java" ]; then
		need_packages openjdk-17-jre-headless
		java=$(java_bin)
	fi
	lock
	if pid >/dev/null; then
		wait_for 60 ping || die "opensearch: the server started before (pid $(pid)) does not answer on 127.0.0.1:$PORT; run '$0 stop'"
		dsn
		return 0
	fi
	port_free "$PORT" || die "opensearch: 127.0.0.1:$PORT is taken by a server this script did not start; stop it or set STOREFIT_OPENSEARCH_PORT"
	resolve
	if [ "$(id -u)" -eq 0 ]; then
		id -u "$RUN_USER" >/dev/null 2>&1 ||
			useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RUN_USER" ||
			die "opensearch: could not create the system user $RUN_USER (OpenSearch refuses to run as root)"
		if ! setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups -- test -x "$STOREFIT_NATIVE_DIR"; then
			# e.g. a mktemp -d directory (mode 0700): let the server user through.
			chmod o+x "$STOREFIT_NATIVE_DIR"
		fi
	fi
	rm -rf "$DIR"
	mkdir -p "$DIR/config" "$DIR/data" "$DIR/logs" "$DIR/tmp"
	cp -a "$JVM_DIR/home" "$DIR/home"
	cp "$JVM_DIR"/config/* "$DIR/config/"
	[ "$(id -u)" -eq 0 ] && chown -R "$RUN_USER:$RUN_USER" "$DIR"
	log "opensearch: starting OpenSearch on 127.0.0.1:$PORT (heap $HEAP, data in $DIR)"
	# JVM options: those of the distribution's jvm.options that matter
	# here, with a small fixed heap. fd 9 (the lock) is closed for the
	# server, or it would hold the lock.
	(
		cd "$DIR" || exit 1
		run_as "$java" -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -Xss1m \
			-Djava.io.tmpdir="$DIR/tmp" -Dfile.encoding=UTF-8 -Djava.awt.headless=true \
			-Djava.locale.providers=SPI,COMPAT -Dlog4j2.formatMsgNoLookups=true \
			-Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true -Djna.nosys=true \
			-Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true \
			-Dio.netty.recycler.maxCapacityPerThread=0 -XX:-OmitStackTraceInFastThrow \
			-Dopensearch.path.home="$DIR/home" -Dopensearch.path.conf="$DIR/config" \
			-Dopensearch.distribution.type=tar -cp "$DIR/home/lib/*" \
			org.opensearch.bootstrap.OpenSearch \
			-Epath.data="$DIR/data" -Epath.logs="$DIR/logs" -Ehttp.port="$PORT"
	) 9>&- </dev/null >"$LOGFILE" 2>&1 &
	local p=$!
	echo "$p" >"$PIDFILE"
	local deadline=$((SECONDS + 180))
	until ping; do
		if ! kill -0 "$p" 2>/dev/null; then
			grep -m1 'Exception: ' "$LOGFILE" >&2 || tail -n 5 "$LOGFILE" >&2
			rm -f "$PIDFILE"
			die "opensearch: the server exited during start-up; see $LOGFILE"
		fi
		[ $SECONDS -ge $deadline ] && die "opensearch: no answer on 127.0.0.1:$PORT after 180 s; see $LOGFILE"
		sleep 0.5
	done
	dsn
}

stop() {
	lock
	local p
	if p=$(pid); then
		stop_pid opensearch "$p" 60
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
