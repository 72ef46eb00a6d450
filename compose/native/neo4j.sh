#!/usr/bin/env bash
# Neo4j 5 community for storefit without Docker: the embedded database
# management service with its Bolt connector, in a JVM of its own, from the
# jars Maven resolves (compose/native/jvm/neo4j). Follows the contract in
# lib.sh:
#
#   neo4j.sh start | stop | status | dsn
#
# start builds compose/native/jvm/neo4j when its jars or its main are
# missing (mvn -q -B process-classes: the jars of org.neo4j:neo4j into
# lib/, the main into target/classes; from an empty Maven repository this
# downloads about 120 MB), then runs
#
#   java -Xms1g -Xmx1g … storefit.Neo4jServer <dir>/home 127.0.0.1 PORT 256
#
# with <dir> = $STOREFIT_NATIVE_DIR/neo4j: Bolt on loopback only, TLS off,
# a 256 MiB page cache, data and logs (home/logs/debug.log) under <dir>,
# which `stop` removes. It waits until the main says the default database
# is ready and the port answers a Bolt handshake, then prints the DSN.
#
# Times measured on a 2-core machine busy with other work (load average
# 10–20): mvn from an empty Maven repository 88 s (157 MB downloaded), from
# a filled one 12–25 s (a fresh clone: lib/ and target/ are not committed);
# JVM start to ready 13–54 s (7–16 s of CPU time); stop 12–14 s (Neo4j
# checkpoints on shutdown). The heap is a fixed 1 GiB (-Xms = -Xmx, as
# Neo4j's operations manual advises: a heap that starts small grows by
# full collections and resizes under load), the page cache 256 MiB: the
# quick-scale data sets need far less.
#
# Environment:
#   STOREFIT_NEO4J_PORT      Bolt port on 127.0.0.1 (default 7687)
#   STOREFIT_NEO4J_PASSWORD  if set (8 characters at least), authentication
#                            is on and the user neo4j has this password; the
#                            DSN carries it: bolt://neo4j:PASSWORD@127.0.0.1:PORT
#   STOREFIT_NEO4J_HEAP      JVM heap, -Xms = -Xmx (default 1g)
#   STOREFIT_NEO4J_PAGECACHE page cache in MiB (default 256)
#   STOREFIT_NEO4J_JAVA      the java to run (default java on PATH; 17 or newer)
#   STOREFIT_MAVEN_ARGS      extra mvn arguments (e.g. -Dmaven.repo.local=DIR)
#
# Idempotent: start finds a server it started before by its pid file and only
# prints the DSN; a lock serializes concurrent starts and stops.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${STOREFIT_NEO4J_PORT:-7687}
PASSWORD=${STOREFIT_NEO4J_PASSWORD:-}
HEAP=${STOREFIT_NEO4J_HEAP:-1g}
PAGECACHE=${STOREFIT_NEO4J_PAGECACHE:-256}
JAVA=${STOREFIT_NEO4J_JAVA:-java}
DIR=$STOREFIT_NATIVE_DIR/neo4j
PIDFILE=$DIR/neo4j.pid
LOG=$DIR/neo4j.log
JVMDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/jvm/neo4j" && pwd)
# The jar whose presence says lib/ is complete (the version is the pom's).
NEO4J_JAR=neo4j-5.26.30.jar

case "$PORT" in
'' | *[!0-9]*) die "neo4j: STOREFIT_NEO4J_PORT=$PORT is not a port number" ;;
esac
case "$PAGECACHE" in
'' | *[!0-9]*) die "neo4j: STOREFIT_NEO4J_PAGECACHE=$PAGECACHE is not a number of MiB" ;;
esac
if [ -n "$PASSWORD" ] && [ ${#PASSWORD} -lt 8 ]; then
	die "neo4j: STOREFIT_NEO4J_PASSWORD must have 8 characters at least (Neo4j's minimum)"
fi

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
		echo "bolt://neo4j:$(urlencode "$PASSWORD")@127.0.0.1:$PORT"
	else
		echo "bolt://127.0.0.1:$PORT"
	fi
}

# ping: true if 127.0.0.1:PORT answers a Bolt handshake (offering versions
# 5.0–5.8 and 4.4) with a version.
ping() {
	local reply
	reply=$( (
		exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
		printf '\x60\x60\xb0\x17\x00\x08\x08\x05\x00\x00\x04\x04\x00\x00\x00\x00\x00\x00\x00\x00' >&3
		timeout 2 head -c 4 <&3 | od -An -tx1 | tr -d ' \n'
	) 2>/dev/null)
	[ -n "$reply" ] && [ "$reply" != 00000000 ]
}

# ready: the main said the database is ready, and Bolt answers.
ready() { grep -q '^storefit-neo4j: ready' "$LOG" 2>/dev/null && ping; }

# pid prints the pid of the server this script started, if it still runs.
pid() {
	[ -f "$PIDFILE" ] || return 1
	local p
	p=$(cat "$PIDFILE" 2>/dev/null) || return 1
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
	tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q storefit.Neo4jServer || return 1
	echo "$p"
}

lock() {
	mkdir -p "$STOREFIT_NATIVE_DIR"
	exec 9>"$STOREFIT_NATIVE_DIR/.neo4j.lock"
	flock 9
}

# build resolves the jars and compiles the main if either is missing or
# the main's source is newer than its class.
build() {
	local class=$JVMDIR/target/classes/storefit/Neo4jServer.class
	local src=$JVMDIR/src/main/java/storefit/Neo4jServer.java
	if [ -f "$JVMDIR/lib/$NEO4J_JAR" ] && [ -f "$class" ] && [ ! "$src" -nt "$class" ] && [ ! "$JVMDIR/pom.xml" -nt "$class" ]; then
		return 0
	fi
	command -v mvn >/dev/null || need_packages maven
	log "neo4j: resolving the Neo4j jars and building the main (mvn; minutes from an empty Maven repository)"
	local out
	out=$(mktemp)
	# shellcheck disable=SC2086 # STOREFIT_MAVEN_ARGS is a list of arguments
	if ! maven -q -B ${STOREFIT_MAVEN_ARGS:-} -f "$JVMDIR/pom.xml" process-classes >"$out" 2>&1; then
		tail -n 20 "$out" >&2
		rm -f "$out"
		die "neo4j: mvn failed to build $JVMDIR"
	fi
	rm -f "$out"
	[ -f "$JVMDIR/lib/$NEO4J_JAR" ] || die "neo4j: mvn built $JVMDIR but lib/$NEO4J_JAR is missing (does the pom's neo4j.version match NEO4J_JAR in $0?)"
}

# check_java dies unless JAVA runs and is version 17 or newer.
check_java() {
	command -v "$JAVA" >/dev/null || die "neo4j: no $JAVA on PATH; install a JDK 17 or set STOREFIT_NEO4J_JAVA"
	local v
	v=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
	case "$v" in
	1.* | 9 | 1[0-6] | '') die "neo4j: $JAVA is Java ${v:-of unknown version}; Neo4j 5 needs 17 or newer (set STOREFIT_NEO4J_JAVA)" ;;
	esac
}

start() {
	lock
	if pid >/dev/null; then
		wait_for 120 ready || die "neo4j: the server started before (pid $(pid)) does not answer on 127.0.0.1:$PORT; see $LOG, or run '$0 stop'"
		dsn
		return 0
	fi
	port_free "$PORT" || die "neo4j: 127.0.0.1:$PORT is taken by a server this script did not start; stop it or set STOREFIT_NEO4J_PORT"
	check_java
	build
	rm -rf "$DIR"
	mkdir -p "$DIR/home"
	chmod 700 "$DIR"
	log "neo4j: starting Neo4j on 127.0.0.1:$PORT (heap $HEAP, page cache ${PAGECACHE} MiB, data in $DIR)"
	# The JVM options Neo4j's own launcher sets that matter here: G1, the
	# module openings its page cache and Netty use, no JMX for log4j.
	# setsid: the server outlives this script and is not in its process
	# group; fd 9 (the lock) is closed for it, or it would hold the lock.
	STOREFIT_NEO4J_PASSWORD=$PASSWORD setsid "$JAVA" "-Xms$HEAP" "-Xmx$HEAP" -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow \
		-XX:+DisableExplicitGC -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true \
		-Dlog4j2.disable.jmx=true \
		--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
		--add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
		-cp "$JVMDIR/target/classes:$JVMDIR/lib/*" storefit.Neo4jServer "$DIR/home" 127.0.0.1 "$PORT" "$PAGECACHE" \
		9>&- </dev/null >"$LOG" 2>&1 &
	echo $! >"$PIDFILE"
	local deadline=$((SECONDS + 180))
	until ready; do
		if ! pid >/dev/null; then
			tail -n 20 "$LOG" >&2
			die "neo4j: the server exited during start; see $LOG and $DIR/home/logs/debug.log"
		fi
		[ $SECONDS -ge $deadline ] && die "neo4j: not ready on 127.0.0.1:$PORT after 180 s; see $LOG and $DIR/home/logs/debug.log"
		sleep 0.3
	done
	log "neo4j: ready after $SECONDS s"
	dsn
}

stop() {
	lock
	local p
	if p=$(pid); then
		log "neo4j: stopping pid $p"
		kill -TERM "$p"
		local deadline=$((SECONDS + 60))
		while kill -0 "$p" 2>/dev/null; do
			[ $SECONDS -ge $deadline ] && die "neo4j: pid $p did not stop within 60 s"
			sleep 0.2
		done
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
