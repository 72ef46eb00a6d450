#!/usr/bin/env bash
# Apache Kafka for storefit without Docker: the broker's published jars
# (org.apache.kafka:kafka_2.13 and its runtime dependencies, resolved by
# Maven from jvm/kafka/pom.xml) run as one JVM process in KRaft mode, a
# single node that is broker and controller. Follows the contract in lib.sh:
#
#   kafka.sh start | stop | status | dsn
#
# The broker listens on 127.0.0.1:PORT (clients) and 127.0.0.1:CONTROLLER_PORT
# (the KRaft quorum of one), with its storage formatted once per start
# under a fixed cluster id:
#
#   java -cp '<lib>/*' kafka.tools.StorageTool format -t <id> -c <dir>/server.properties
#   java <heap, G1> -cp '<lib>/*' kafka.Kafka <dir>/server.properties
#
# with <dir> = $STOREFIT_NATIVE_DIR/kafka holding server.properties
# (jvm/kafka/server.properties with the directories and ports filled in), the
# log directory (data/), server.log and the pid file; `stop` removes it. The
# jars are copied once into a cache directory (below) from Maven's local
# repository (~/.m2, downloaded on first use), so a start after the first
# needs no Maven at all. The DSN is kafka://127.0.0.1:PORT.
#
# Times measured on our 2-core machine: start to ready 5 s when the machine
# is idle, 6–10 s while other servers and tests keep it busy (load average
# 8–12), the storage format's own JVM included; from an empty Maven
# repository, Maven adds 4–20 s (43 MB of jars). Stop takes 2–3 s. The heap
# is 512 MiB at most (-Xms128m): a benchmark's few topics need far less.
#
# Environment:
#   STOREFIT_KAFKA_PORT             client port on 127.0.0.1 (default 9092)
#   STOREFIT_KAFKA_CONTROLLER_PORT  KRaft controller port (default 9093)
#   STOREFIT_KAFKA_HEAP             JVM heap, -Xmx (default 512m)
#   STOREFIT_KAFKA_JAVA             the java binary (default: java on PATH;
#                                   Kafka 4 brokers need Java 17 or newer)
#   STOREFIT_CACHE_DIR              where the jars are kept (default
#                                   ${XDG_CACHE_HOME:-~/.cache}/storefit)
#   STOREFIT_MAVEN_ARGS             extra mvn arguments (e.g. -Dmaven.repo.local=DIR)
#
# Idempotent: start finds a broker it started before by its pid file and
# only prints the DSN; a lock serializes concurrent starts and stops.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JVMDIR=$HERE/jvm/kafka
PORT=${STOREFIT_KAFKA_PORT:-9092}
CONTROLLER_PORT=${STOREFIT_KAFKA_CONTROLLER_PORT:-9093}
HEAP=${STOREFIT_KAFKA_HEAP:-512m}
JAVA=${STOREFIT_KAFKA_JAVA:-java}
DIR=$STOREFIT_NATIVE_DIR/kafka
PIDFILE=$DIR/kafka.pid
# The cluster id: base64url of the 16 bytes "storefit-kafka-1". Fixed, so a
# broker's identity does not depend on a random draw.
CLUSTER_ID=c3RvcmVmaXQta2Fma2EtMQ

for v in PORT CONTROLLER_PORT; do
	case "${!v}" in
	'' | *[!0-9]*) die "kafka: STOREFIT_KAFKA_$v=${!v} is not a port number" ;;
	esac
done
case "$HEAP" in
[1-9]*[mMgG]) ;;
*) die "kafka: STOREFIT_KAFKA_HEAP=$HEAP: use a size like 512m or 1g" ;;
esac

# The Kafka release the pom resolves, and where its jars are kept.
VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$JVMDIR/pom.xml")
[ -n "$VERSION" ] || die "kafka: no kafka.version in $JVMDIR/pom.xml"
CACHE=${STOREFIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/storefit}
LIB=$CACHE/jvm/kafka-$VERSION

dsn() { echo "kafka://127.0.0.1:$PORT"; }

# ready: the broker logged that it started (it opens the client port to
# requests only then), and the port accepts connections.
ready() { grep -q 'Kafka Server started' "$DIR/server.log" 2>/dev/null && ! port_free "$PORT"; }

# pid prints the pid of the broker this script started, if it still runs.
pid() {
	[ -f "$PIDFILE" ] || return 1
	local p
	p=$(cat "$PIDFILE" 2>/dev/null) || return 1
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
	tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q ' kafka.Kafka ' || return 1
	echo "$p"
}

lock() {
	mkdir -p "$STOREFIT_NATIVE_DIR"
	exec 9>"$STOREFIT_NATIVE_DIR/.kafka.lock"
	flock 9
}

# resolve copies the broker's jars into $LIB (lib.sh's maven_jars).
resolve() {
	maven_jars kafka "$JVMDIR/pom.xml" "$LIB" "Kafka $VERSION" "kafka_2.13-$VERSION.jar"
}

# check_java dies unless $JAVA is Java 17 or newer, installing Debian's
# JDK 17 when there is no java at all.
check_java() {
	if ! command -v "$JAVA" >/dev/null 2>&1; then
		[ "$JAVA" = java ] || die "kafka: STOREFIT_KAFKA_JAVA=$JAVA is not a program"
		need_packages openjdk-17-jre-headless
	fi
	local v
	v=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
	case "$v" in
	1.* | 9 | 1[0-6] | '') die "kafka: $JAVA is Java ${v:-of unknown version}; Kafka $VERSION brokers need 17 or newer (set STOREFIT_KAFKA_JAVA)" ;;
	esac
}

start() {
	lock
	if pid >/dev/null; then
		wait_for 120 ready || die "kafka: the broker started before (pid $(pid)) does not answer on 127.0.0.1:$PORT; see $DIR/server.log or run '$0 stop'"
		dsn
		return 0
	fi
	port_free "$PORT" || die "kafka: 127.0.0.1:$PORT is taken by a server this script did not start; stop it or set STOREFIT_KAFKA_PORT"
	port_free "$CONTROLLER_PORT" || die "kafka: 127.0.0.1:$CONTROLLER_PORT (controller port) is taken; set STOREFIT_KAFKA_CONTROLLER_PORT"
	check_java
	resolve
	rm -rf "$DIR"
	mkdir -p "$DIR/data"
	chmod 700 "$DIR"
	sed -e "s|@DIR@|$DIR|g" -e "s|@PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
		"$JVMDIR/server.properties" >"$DIR/server.properties"
	log "kafka: starting Kafka $VERSION (KRaft, one node) on 127.0.0.1:$PORT (heap $HEAP, data in $DIR)"
	local logopts=(-Dkafka.logs.dir="$DIR" -Dlog4j2.configurationFile="$JVMDIR/log4j2.xml")
	if ! "$JAVA" -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "${logopts[@]}" -cp "$LIB/*" kafka.tools.StorageTool \
		format -t "$CLUSTER_ID" -c "$DIR/server.properties" >"$DIR/format.log" 2>&1; then
		tail -n 5 "$DIR/format.log" >&2
		die "kafka: formatting the storage in $DIR/data failed"
	fi
	# The JVM options of Kafka's kafka-run-class.sh that matter here (G1
	# with short pauses), with a small heap. setsid: the broker outlives
	# this script and its terminal; fd 9 (the lock) is closed for it, or
	# it would hold the lock.
	setsid "$JAVA" -Xms128m "-Xmx$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		-XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
		-Djava.awt.headless=true "${logopts[@]}" \
		-cp "$LIB/*" kafka.Kafka "$DIR/server.properties" \
		9>&- </dev/null >"$DIR/stdout.log" 2>&1 &
	echo $! >"$PIDFILE"
	local p=$! deadline=$((SECONDS + 120))
	until ready; do
		if ! kill -0 "$p" 2>/dev/null; then
			tail -n 5 "$DIR/stdout.log" >&2
			grep -E '\] (ERROR|FATAL) ' "$DIR/server.log" 2>/dev/null | tail -n 5 >&2
			die "kafka: the broker exited during start; see $DIR/server.log"
		fi
		[ $SECONDS -ge $deadline ] && die "kafka: no answer on 127.0.0.1:$PORT after 120 s; see $DIR/server.log"
		sleep 0.2
	done
	log "kafka: ready after $SECONDS s"
	dsn
}

stop() {
	lock
	local p
	if p=$(pid); then
		stop_pid kafka "$p" 30
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
