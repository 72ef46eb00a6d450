#!/usr/bin/env bash
# Apache Cassandra for storefit without Docker: the server's published jars
# (org.apache.cassandra:cassandra-all and its dependencies, resolved by
# Maven from jvm/cassandra/pom.xml) run as one JVM process. Follows the
# contract in lib.sh:
#
#   cassandra.sh start | stop | status | dsn
#
# The server is a single node on loopback (CQL native transport on
# 127.0.0.1:PORT, storage port on 127.0.0.1 only, no JMX at all), started as
#
#   java <heap, GC and JDK 17 module options> -Dcassandra.config=<dir>/cassandra.yaml \
#       <fast-start options> -cp '<lib>/*' org.apache.cassandra.service.CassandraDaemon
#
# with <dir> = $STOREFIT_NATIVE_DIR/cassandra holding its cassandra.yaml
# (jvm/cassandra/cassandra.yaml with the directories and ports filled in),
# data, commit log, saved caches, hints, system.log and the pid file; `stop`
# removes it. The jars are copied once into a cache directory (below) from
# Maven's local repository (~/.m2, downloaded on first use), so a start
# after the first needs no Maven at all.
#
# Environment:
#   STOREFIT_CASSANDRA_PORT          CQL port on 127.0.0.1 (default 9042)
#   STOREFIT_CASSANDRA_STORAGE_PORT  inter-node port on 127.0.0.1 (default 7000;
#                                    SSL storage port is this + 1)
#   STOREFIT_CASSANDRA_HEAP          JVM heap, -Xms = -Xmx (default 1g)
#   STOREFIT_CASSANDRA_JAVA          the java binary (default: java on PATH; a
#                                    JDK 11 or 17, which Cassandra 5.0 supports)
#   STOREFIT_CASSANDRA_KEYSPACE      keyspace named in the DSN (default storefit)
#   STOREFIT_CACHE_DIR               where the jars are kept (default
#                                    ${XDG_CACHE_HOME:-~/.cache}/storefit)
#
# Idempotent: start finds a server it started before by its pid file and only
# prints the DSN; a lock serializes concurrent starts and stops.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JVMDIR=$HERE/jvm/cassandra
PORT=${STOREFIT_CASSANDRA_PORT:-9042}
STORAGE_PORT=${STOREFIT_CASSANDRA_STORAGE_PORT:-7000}
HEAP=${STOREFIT_CASSANDRA_HEAP:-1g}
JAVA=${STOREFIT_CASSANDRA_JAVA:-java}
KEYSPACE=${STOREFIT_CASSANDRA_KEYSPACE:-storefit}
DIR=$STOREFIT_NATIVE_DIR/cassandra
PIDFILE=$DIR/cassandra.pid

for v in PORT STORAGE_PORT; do
	case "${!v}" in
	'' | *[!0-9]*) die "cassandra: STOREFIT_CASSANDRA_$v=${!v} is not a port number" ;;
	esac
done
case "$HEAP" in
[1-9]*[mMgG]) ;;
*) die "cassandra: STOREFIT_CASSANDRA_HEAP=$HEAP: use a size like 512m or 1g" ;;
esac
case "$KEYSPACE" in
[a-zA-Z]*) [[ $KEYSPACE =~ ^[a-zA-Z][a-zA-Z0-9_]{0,47}$ ]] || die "cassandra: keyspace $KEYSPACE: use letters, digits and '_'" ;;
*) die "cassandra: keyspace $KEYSPACE: use letters, digits and '_'" ;;
esac

# The Cassandra release the pom resolves, and where its jars are kept.
VERSION=$(sed -n 's:.*<cassandra.version>\(.*\)</cassandra.version>.*:\1:p' "$JVMDIR/pom.xml")
[ -n "$VERSION" ] || die "cassandra: no cassandra.version in $JVMDIR/pom.xml"
CACHE=${STOREFIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/storefit}
LIB=$CACHE/jvm/cassandra-$VERSION

dsn() { echo "cassandra://127.0.0.1:$PORT/$KEYSPACE"; }

# answers: true if something accepts connections on the CQL port (the
# server opens it last, once it is ready for clients).
answers() { ! port_free "$PORT"; }

# pid prints the pid of the server this script started, if it still runs.
pid() {
	[ -f "$PIDFILE" ] || return 1
	local p
	p=$(cat "$PIDFILE" 2>/dev/null) || return 1
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
	grep -q CassandraDaemon "/proc/$p/cmdline" 2>/dev/null || return 1
	echo "$p"
}

lock() {
	mkdir -p "$STOREFIT_NATIVE_DIR"
	exec 9>"$STOREFIT_NATIVE_DIR/.cassandra.lock"
	flock 9
}

# resolve copies the server's jars into $LIB unless a complete copy is
# there: Maven resolves them (into its local repository, from Maven's
# default central repository) and copies them into a temporary directory,
# renamed into place when complete.
resolve() {
	[ -f "$LIB/.complete" ] && return 0
	command -v mvn >/dev/null 2>&1 || need_packages maven
	log "cassandra: resolving Cassandra $VERSION jars with Maven into $LIB"
	local tmp=$LIB.tmp.$$ out
	rm -rf "$tmp"
	mkdir -p "$tmp"
	out=$(mktemp)
	if ! maven -q -B -f "$JVMDIR/pom.xml" dependency:copy-dependencies -Dlib.dir="$tmp" >"$out" 2>&1; then
		tail -n 20 "$out" >&2
		rm -rf "$tmp" "$out"
		die "cassandra: Maven could not resolve cassandra-all $VERSION (output above)"
	fi
	rm -f "$out"
	[ -f "$tmp/cassandra-all-$VERSION.jar" ] || die "cassandra: Maven left no cassandra-all-$VERSION.jar in $tmp"
	touch "$tmp/.complete"
	rm -rf "$LIB"
	mv "$tmp" "$LIB"
}

# check_java dies unless $JAVA is a JDK Cassandra $VERSION runs on (11 or
# 17), installing Debian's JDK 17 when there is no java at all.
check_java() {
	if ! command -v "$JAVA" >/dev/null 2>&1; then
		[ "$JAVA" = java ] || die "cassandra: STOREFIT_CASSANDRA_JAVA=$JAVA is not a program"
		need_packages openjdk-17-jre-headless
	fi
	local v
	v=$("$JAVA" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n 1)
	case "$v" in
	11 | 17) ;;
	*) die "cassandra: Cassandra $VERSION runs on Java 11 or 17, and $JAVA is Java ${v:-unknown}; set STOREFIT_CASSANDRA_JAVA" ;;
	esac
}

# The JVM options of Cassandra's conf/jvm17-server.options (JDK 17 module
# access the server needs; G1), with a small fixed heap.
jvm_options() {
	local opts=(
		-Xms"$HEAP" -Xmx"$HEAP" -Xss256k
		-XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1
		-XX:G1RSetUpdatingPauseTimePercent=5 -XX:MaxGCPauseMillis=300
		-XX:+ExitOnOutOfMemoryError -XX:+PerfDisableSharedMem
		-Djdk.attach.allowAttachSelf=true
		-Dio.netty.tryReflectionSetAccessible=true
		-Dio.netty.allocator.useCacheForAllThreads=true -Dio.netty.allocator.maxOrder=11
		-javaagent:"$LIB/jamm-0.4.0.jar"
	)
	local m
	for m in java.base/jdk.internal.misc java.management.rmi/com.sun.jmx.remote.internal.rmi \
		java.rmi/sun.rmi.registry java.rmi/sun.rmi.server java.sql/java.sql java.base/java.lang.ref \
		jdk.unsupported/sun.misc; do
		opts+=(--add-exports "$m=ALL-UNNAMED")
	done
	for m in java.base/java.lang.module java.base/jdk.internal.loader java.base/jdk.internal.ref \
		java.base/jdk.internal.reflect java.base/jdk.internal.math java.base/jdk.internal.module \
		java.base/jdk.internal.util.jar jdk.management/com.sun.management.internal java.base/sun.nio.ch \
		java.base/java.io java.base/java.nio java.base/java.lang.reflect java.base/java.lang java.base/java.util; do
		opts+=(--add-opens "$m=ALL-UNNAMED")
	done
	printf '%s\n' "${opts[@]}"
}

# Server options: our configuration and logging, and the settings that make
# a fresh single node start in seconds: no waiting for gossip to settle or
# for a ring delay (there are no other nodes), no superuser set-up delay,
# no measuring of the memtable row overhead at start (2 s; 180 bytes is
# what 5.0 measures on JDK 17), schema changes not flushed to disk at once
# (the commit log still has them), and no JMX (no port is opened).
server_options() {
	printf '%s\n' \
		-Dcassandra.config="file://$DIR/cassandra.yaml" \
		-Dcassandra.storagedir="$DIR" \
		-Dcassandra.logdir="$DIR" \
		-Dlogback.configurationFile="$JVMDIR/logback.xml" \
		-Dcassandra-foreground=yes \
		-Dcassandra.skip_wait_for_gossip_to_settle=0 \
		-Dcassandra.ring_delay_ms=0 \
		-Dcassandra.superuser_setup_delay_ms=0 \
		-Dcassandra.memtable.row_overhead_size=180 \
		-Dcassandra.test.flush_local_schema_changes=false \
		-Dcassandra.initial_token=0
}

start() {
	lock
	if pid >/dev/null; then
		wait_for 120 answers || die "cassandra: the server started before (pid $(pid)) does not answer on 127.0.0.1:$PORT; see $DIR/system.log or run '$0 stop'"
		dsn
		return 0
	fi
	port_free "$PORT" || die "cassandra: 127.0.0.1:$PORT is taken by a server this script did not start; stop it or set STOREFIT_CASSANDRA_PORT"
	port_free "$STORAGE_PORT" || die "cassandra: 127.0.0.1:$STORAGE_PORT (storage port) is taken; set STOREFIT_CASSANDRA_STORAGE_PORT"
	check_java
	resolve
	rm -rf "$DIR"
	mkdir -p "$DIR"
	chmod 700 "$DIR"
	sed -e "s|@DIR@|$DIR|g" -e "s|@PORT@|$PORT|g" -e "s|@STORAGE_PORT@|$STORAGE_PORT|g" \
		-e "s|@SSL_STORAGE_PORT@|$((STORAGE_PORT + 1))|g" "$JVMDIR/cassandra.yaml" >"$DIR/cassandra.yaml"
	local opts=()
	mapfile -t opts < <(jvm_options)
	mapfile -t -O ${#opts[@]} opts < <(server_options)
	log "cassandra: starting Cassandra $VERSION on 127.0.0.1:$PORT (heap $HEAP, data in $DIR)"
	# setsid: the server outlives this script and its terminal; fd 9 (the
	# lock) is closed for it, or it would hold the lock.
	setsid "$JAVA" "${opts[@]}" -cp "$LIB/*" org.apache.cassandra.service.CassandraDaemon \
		9>&- </dev/null >"$DIR/stdout.log" 2>&1 &
	echo $! >"$PIDFILE"
	local p=$! deadline=$((SECONDS + 180))
	until answers; do
		if ! kill -0 "$p" 2>/dev/null; then
			tail -n 5 "$DIR/stdout.log" >&2
			grep -E '^(ERROR|WARN)' "$DIR/system.log" 2>/dev/null | tail -n 5 >&2
			die "cassandra: the server exited during start; see $DIR/system.log"
		fi
		[ $SECONDS -ge $deadline ] && die "cassandra: no answer on 127.0.0.1:$PORT after 180 s; see $DIR/system.log"
		sleep 0.2
	done
	dsn
}

stop() {
	lock
	local p
	if p=$(pid); then
		stop_pid cassandra "$p" 30
	fi
	rm -rf "$DIR"
}

status() {
	pid >/dev/null && answers || return 1
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
