#!/usr/bin/env bash
# Apache HBase for storefit without Docker: HBase's published jars
# (org.apache.hbase:hbase-server and hbase-zookeeper 2.6, resolved by Maven
# from jvm/hbase/pom.xml, and hbase-rest 2.4.17 from jvm/hbase/rest/pom.xml)
# run as two JVM processes. Follows the
# contract in lib.sh:
#
#   hbase.sh start | stop | status | dsn
#
# The server is HBase standalone: the master, one region server and
# ZooKeeper in one JVM, data on the local file system (the deployment
# HBase's own quick start describes), all on 127.0.0.1:
#
#   java <heap, G1, JDK 17 module options> -cp '<dir>/conf:<lib>/*' \
#       org.apache.hadoop.hbase.master.HMaster start
#
# and beside it HBase's REST gateway, which storefit's hbase driver speaks
# to (HBase's native RPC protocol has no Go client we can use: gohbase is
# not served by the Go module proxy):
#
#   java <small heap> -cp '<dir>/conf:<rest lib>/*' org.apache.hadoop.hbase.rest.RESTServer start
#
# The gateway is hbase-rest 2.4.17, the newest release of the module Maven
# Central serves to our machines (none of 2.5 or 2.6, nor of hbase-thrift):
# a client of the 2.6 server, which HBase keeps compatible across 2.x.
#
# with <dir> = $STOREFIT_NATIVE_DIR/hbase holding conf/hbase-site.xml
# (jvm/hbase/hbase-site.xml with the directories and ports filled in), the
# HBase root directory, ZooKeeper's data, the logs and the pid files; `stop`
# removes it. The master and region server RPC ports are free ones chosen
# at start; web UIs are off. The jars are copied once into a cache
# directory (below) from Maven's local repository (~/.m2, downloaded on
# first use), so a start after the first needs no Maven at all.
# Start waits until the gateway answers for the default namespace (the
# master has finished initializing): 1–3 min on a busy 2-core machine.
#
# The DSN is http://127.0.0.1:PORT (the gateway).
#
# Environment:
#   STOREFIT_HBASE_PORT       REST gateway port on 127.0.0.1 (default 8080)
#   STOREFIT_HBASE_ZK_PORT    ZooKeeper client port on 127.0.0.1 (default 2181)
#   STOREFIT_HBASE_HEAP       heap of the server JVM, -Xms = -Xmx (default 1g,
#                             as cassandra.sh gives Cassandra)
#   STOREFIT_HBASE_REST_HEAP  heap of the gateway JVM (default 512m)
#   STOREFIT_HBASE_JAVA       the java binary (default: java on PATH; HBase
#                             2.6 runs on Java 11 and 17)
#   STOREFIT_CACHE_DIR        where the jars are kept (default
#                             ${XDG_CACHE_HOME:-~/.cache}/storefit)
#   STOREFIT_MAVEN_ARGS       extra mvn arguments (e.g. -Dmaven.repo.local=DIR)
#
# Idempotent: start finds a server it started before by its pid files and
# only prints the DSN; a lock serializes concurrent starts and stops.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JVMDIR=$HERE/jvm/hbase
PORT=${STOREFIT_HBASE_PORT:-8080}
ZK_PORT=${STOREFIT_HBASE_ZK_PORT:-2181}
HEAP=${STOREFIT_HBASE_HEAP:-1g}
REST_HEAP=${STOREFIT_HBASE_REST_HEAP:-512m}
JAVA=${STOREFIT_HBASE_JAVA:-java}
DIR=$STOREFIT_NATIVE_DIR/hbase

for v in PORT ZK_PORT; do
	case "${!v}" in
	'' | *[!0-9]*) die "hbase: STOREFIT_HBASE_$v=${!v} is not a port number" ;;
	esac
done
for v in HEAP REST_HEAP; do
	case "${!v}" in
	[1-9]*[mMgG]) ;;
	*) die "hbase: STOREFIT_HBASE_$v=${!v}: use a size like 512m or 1g" ;;
	esac
done

# The releases the poms resolve, and where their jars are kept.
VERSION=$(sed -n 's:.*<hbase.version>\(.*\)</hbase.version>.*:\1:p' "$JVMDIR/pom.xml")
[ -n "$VERSION" ] || die "hbase: no hbase.version in $JVMDIR/pom.xml"
REST_VERSION=$(sed -n 's:.*<hbase.rest.version>\(.*\)</hbase.rest.version>.*:\1:p' "$JVMDIR/rest/pom.xml")
[ -n "$REST_VERSION" ] || die "hbase: no hbase.rest.version in $JVMDIR/rest/pom.xml"
CACHE=${STOREFIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/storefit}
LIB=$CACHE/jvm/hbase-$VERSION
REST_LIB=$CACHE/jvm/hbase-rest-$REST_VERSION

dsn() { echo "http://127.0.0.1:$PORT"; }

# ready: the gateway answers 200 for the default namespace, which it reads
# from the master once the master has finished initializing.
ready() {
	{ exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || return 1
	printf 'GET /namespaces/default HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n' >&3
	local status
	IFS= read -r -t 10 status <&3 || { exec 3>&-; return 1; }
	exec 3>&-
	[[ $status == HTTP/1.?" 200"* ]]
}

# pid NAME prints the pid of the JVM this script started (NAME is master
# or rest), if it still runs.
pid() {
	local f=$DIR/$1.pid main
	case "$1" in
	master) main=org.apache.hadoop.hbase.master.HMaster ;;
	rest) main=org.apache.hadoop.hbase.rest.RESTServer ;;
	esac
	[ -f "$f" ] || return 1
	local p
	p=$(cat "$f" 2>/dev/null) || return 1
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
	tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q " $main " || return 1
	echo "$p"
}

lock() {
	mkdir -p "$STOREFIT_NATIVE_DIR"
	exec 9>"$STOREFIT_NATIVE_DIR/.hbase.lock"
	flock 9
}

# resolve copies the server's jars into $LIB and the gateway's into
# $REST_LIB (lib.sh's maven_jars).
resolve() {
	maven_jars hbase "$JVMDIR/pom.xml" "$LIB" "HBase $VERSION" "hbase-server-$VERSION.jar" "hbase-zookeeper-$VERSION.jar"
	maven_jars hbase "$JVMDIR/rest/pom.xml" "$REST_LIB" "the HBase $REST_VERSION REST gateway" "hbase-rest-$REST_VERSION.jar"
}

# check_java dies unless $JAVA is Java 11 or 17, installing Debian's JDK 17
# when there is no java at all.
check_java() {
	if ! command -v "$JAVA" >/dev/null 2>&1; then
		[ "$JAVA" = java ] || die "hbase: STOREFIT_HBASE_JAVA=$JAVA is not a program"
		need_packages openjdk-17-jre-headless
	fi
	local v
	v=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
	case "$v" in
	11 | 17) ;;
	*) die "hbase: HBase $VERSION runs on Java 11 or 17, and $JAVA is Java ${v:-of unknown version}; set STOREFIT_HBASE_JAVA" ;;
	esac
}

# jvm_options HEAP LOGFILE prints the options of HBase's bin/hbase for
# JDK 11+ (module access its netty and off-heap code need), G1 and the heap.
jvm_options() {
	local opts=(
		-Xms"$1" -Xmx"$1" -XX:+UseG1GC -XX:MaxGCPauseMillis=100 -XX:+ExitOnOutOfMemoryError
		-Djava.net.preferIPv4Stack=true -Djava.awt.headless=true
		-Dorg.apache.hbase.thirdparty.io.netty.tryReflectionSetAccessible=true
		-Dhbase.log.dir="$DIR" -Dhbase.log.file="$2" -Dlog4j2.configurationFile="$JVMDIR/log4j2.xml"
		--add-modules jdk.unsupported
	)
	local m
	for m in java.base/java.nio java.base/sun.nio.ch java.base/java.lang java.base/jdk.internal.ref \
		java.base/java.lang.reflect java.base/java.util java.base/java.util.concurrent; do
		opts+=(--add-opens "$m=ALL-UNNAMED")
	done
	for m in java.base/jdk.internal.misc java.security.jgss/sun.security.krb5 java.base/sun.net.dns java.base/sun.net.util; do
		opts+=(--add-exports "$m=ALL-UNNAMED")
	done
	printf '%s\n' "${opts[@]}"
}

# launch NAME HEAP LIB MAIN starts a JVM in the background and records its pid.
launch() {
	local name=$1 heap=$2 lib=$3 main=$4 opts=()
	mapfile -t opts < <(jvm_options "$heap" "$name.log")
	# setsid: the JVM outlives this script and its terminal; fd 9 (the
	# lock) is closed for it, or it would hold the lock.
	setsid "$JAVA" "${opts[@]}" -cp "$DIR/conf:$lib/*" "$main" start \
		9>&- </dev/null >"$DIR/$name.out" 2>&1 &
	echo $! >"$DIR/$name.pid"
}

start() {
	lock
	if pid master >/dev/null && pid rest >/dev/null; then
		wait_for 180 ready || die "hbase: the server started before does not answer on 127.0.0.1:$PORT; see $DIR/*.log or run '$0 stop'"
		dsn
		return 0
	fi
	if pid master >/dev/null || pid rest >/dev/null; then
		die "hbase: only one of the two JVMs started before still runs; run '$0 stop' first"
	fi
	port_free "$PORT" || die "hbase: 127.0.0.1:$PORT is taken by a server this script did not start; stop it or set STOREFIT_HBASE_PORT"
	port_free "$ZK_PORT" || die "hbase: 127.0.0.1:$ZK_PORT (ZooKeeper) is taken; set STOREFIT_HBASE_ZK_PORT"
	check_java
	resolve
	rm -rf "$DIR"
	mkdir -p "$DIR/conf" "$DIR/tmp"
	chmod 700 "$DIR"
	sed -e "s|@DIR@|$DIR|g" -e "s|@ZK_PORT@|$ZK_PORT|g" -e "s|@REST_PORT@|$PORT|g" \
		"$JVMDIR/hbase-site.xml" >"$DIR/conf/hbase-site.xml"
	log "hbase: starting HBase $VERSION standalone (ZooKeeper on 127.0.0.1:$ZK_PORT, heap $HEAP, data in $DIR) and its REST gateway on 127.0.0.1:$PORT"
	local start=$SECONDS
	launch master "$HEAP" "$LIB" org.apache.hadoop.hbase.master.HMaster
	# The gateway connects through ZooKeeper: start it once that answers.
	local deadline=$((SECONDS + 240))
	until ! port_free "$ZK_PORT"; do
		pid master >/dev/null || { tail -n 5 "$DIR/master.out" "$DIR/master.log" >&2 2>/dev/null; die "hbase: the server exited during start; see $DIR/master.log"; }
		[ $SECONDS -ge $deadline ] && die "hbase: ZooKeeper does not answer on 127.0.0.1:$ZK_PORT after 240 s; see $DIR/master.log"
		sleep 0.5
	done
	launch rest "$REST_HEAP" "$REST_LIB" org.apache.hadoop.hbase.rest.RESTServer
	until ready; do
		for n in master rest; do
			pid "$n" >/dev/null && continue
			tail -n 5 "$DIR/$n.out" >&2
			grep -E ' (ERROR|FATAL) ' "$DIR/$n.log" 2>/dev/null | tail -n 5 >&2
			die "hbase: the $n JVM exited during start; see $DIR/$n.log"
		done
		[ $SECONDS -ge $deadline ] && die "hbase: the gateway on 127.0.0.1:$PORT is not ready after 240 s; see $DIR/master.log and $DIR/rest.log"
		sleep 0.5
	done
	log "hbase: ready after $((SECONDS - start)) s"
	dsn
}

stop() {
	lock
	local p
	if p=$(pid rest); then
		stop_pid "hbase rest" "$p" 30
	fi
	if p=$(pid master); then
		stop_pid hbase "$p" 60
	fi
	rm -rf "$DIR"
}

status() {
	pid master >/dev/null && pid rest >/dev/null && ready || return 1
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
