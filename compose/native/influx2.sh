#!/usr/bin/env bash
# InfluxDB 2.7 (the v2 API: line protocol on /api/v2/write, Flux on
# /api/v2/query) for storefit without Docker. InfluxDB 2 is not packaged for
# Debian (its influxdb package is 1.6: influx.sh), so influxd is built from
# its Go module once per machine and kept outside the repository:
#
#   influx2.sh start | stop | status | dsn | build
#
# build (start runs it when the binary is missing) makes
# $STOREFIT_CACHE_DIR/influxd-VERSION/influxd: `go mod download` of
# github.com/influxdata/influxdb/v2@vVERSION into Go's module cache, a
# writable copy of it in a temporary directory, and `go build -tags
# sqlite_foreign_keys,sqlite_json ./cmd/influxd` there with cgo, the version
# set as InfluxDB's release builds set it (-X main.version=VERSION: /ping
# reports it). Its Flux
# engine (libflux) is Rust: influxdata's pkg-config wrapper (Go module
# github.com/influxdata/pkg-config, installed into the same temporary
# directory) compiles it with cargo, which fetches its crates. Three
# workarounds make that build with today's toolchains: the Go module is
# copied because `go install …@v2.7.x` refuses a go.mod with replace
# directives; RUSTUP_TOOLCHAIN=stable, because flux pins Rust 1.72, which
# rustup cannot fetch here; and RUSTC_WRAPPER running rustc with
# --cap-lints warn, because flux-core denies warnings that newer rustc
# emits (RUSTFLAGS does not reach its build scripts). Nothing of InfluxDB is
# copied into this repository. Measured: 13 min from scratch on 2 idle
# cores, 4 min with a warm Go build cache; the binary is 132 MB.
#
# The server runs as
#
#   influxd --bolt-path <dir>/influxd.bolt --engine-path <dir>/engine \
#       --sqlite-path <dir>/influxd.sqlite --http-bind-address 127.0.0.1:PORT \
#       --reporting-disabled --log-level error --ui-disabled --pprof-disabled \
#       --metrics-disabled --flux-log-enabled=false
#
# with <dir> = $STOREFIT_NATIVE_DIR/influx2 holding its data and log; `stop`
# removes it. Once it answers /health, start runs the setup (POST
# /api/v2/setup: user storefit, org storefit, bucket storefit and the
# operator token) and prints the DSN
#
#   http://127.0.0.1:PORT?org=storefit&bucket=storefit&token=TOKEN
#
# The storage engine keeps InfluxDB's defaults (WAL written without an fsync
# delay, 1 GiB cache), as the 1.6 server of influx.sh does; usage reporting,
# the UI, pprof, /metrics and the Flux query log are off, so the server spends
# nothing on what a benchmark does not ask.
#
# Environment:
#   STOREFIT_INFLUX2_PORT     HTTP port on 127.0.0.1 (default 8087; 1.6 has 8086)
#   STOREFIT_INFLUX2_TOKEN    operator token set at setup and put in the DSN
#                             (default storefit-token: a loopback server)
#   STOREFIT_INFLUX2_VERSION  InfluxDB release to build (default 2.7.12)
#   STOREFIT_CACHE_DIR        where the binary is kept (default
#                             ${XDG_CACHE_HOME:-~/.cache}/storefit)
#
# Idempotent: start finds a server it started before by its pid file and only
# prints the DSN; a lock serializes concurrent starts and stops, another
# concurrent builds.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${STOREFIT_INFLUX2_PORT:-8087}
TOKEN=${STOREFIT_INFLUX2_TOKEN:-storefit-token}
VERSION=${STOREFIT_INFLUX2_VERSION:-2.7.12}
DIR=$STOREFIT_NATIVE_DIR/influx2
PIDFILE=$DIR/influxd.pid
CACHE=${STOREFIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/storefit}
BIN=$CACHE/influxd-$VERSION/influxd
PKG_CONFIG_VERSION=v0.2.7

case "$PORT" in
'' | *[!0-9]*) die "influx2: STOREFIT_INFLUX2_PORT=$PORT is not a port number" ;;
esac
case "$VERSION" in
2.*) [[ $VERSION =~ ^2\.[0-9]+\.[0-9]+$ ]] || die "influx2: STOREFIT_INFLUX2_VERSION=$VERSION: give a release such as 2.7.12" ;;
*) die "influx2: STOREFIT_INFLUX2_VERSION=$VERSION: give a 2.x release such as 2.7.12" ;;
esac
[[ $TOKEN =~ ^[A-Za-z0-9._~-]+$ ]] || die "influx2: STOREFIT_INFLUX2_TOKEN: use letters, digits and . _ ~ - only"

dsn() { echo "http://127.0.0.1:$PORT?org=storefit&bucket=storefit&token=$TOKEN"; }

# http METHOD PATH [BODY]: prints the status line and body of a request to
# the server (HTTP/1.0 over bash's /dev/tcp; no curl needed).
http() {
	local method=$1 path=$2 body=${3:-}
	{ exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || return 1
	printf '%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
		"$method" "$path" "${#body}" "$body" >&3
	timeout 10 cat <&3
	exec 3>&-
}

# healthy: /health answers 200 (the server finished starting).
healthy() { http GET /health | head -n 1 | grep -q '^HTTP/1\.[01] 200'; }

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
	exec 9>"$STOREFIT_NATIVE_DIR/.influx2.lock"
	flock 9
}

# build makes $BIN unless it is there (see the header).
build() {
	[ -x "$BIN" ] && return 0
	mkdir -p "$CACHE"
	local fd
	exec {fd}>"$CACHE/.influxd-$VERSION.lock"
	flock "$fd" # one build at a time; a second waits and finds the binary
	if [ -x "$BIN" ]; then
		exec {fd}>&-
		return 0
	fi
	command -v go >/dev/null 2>&1 || die "influx2: building influxd needs Go (go not found)"
	command -v cargo >/dev/null 2>&1 || die "influx2: building influxd's Flux engine needs Rust (cargo not found; install Rust with rustup)"
	need_packages gcc g++ make
	local tmp=$CACHE/influxd-$VERSION.build.$$ start=$SECONDS out src
	rm -rf "$tmp"
	mkdir -p "$tmp/bin"
	out=$tmp/build.log
	log "influx2: building influxd $VERSION into $BIN (once per machine; 13 min on 2 idle cores; log in $out)"
	src=$(cd "$tmp" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "github.com/influxdata/influxdb/v2@v$VERSION" 2>>"$out" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p') || true
	[ -n "$src" ] && [ -d "$src" ] || { tail -n 20 "$out" >&2; die "influx2: could not download the Go module of InfluxDB $VERSION"; }
	cp -r "$src" "$tmp/src"
	chmod -R u+w "$tmp/src"
	GOBIN=$tmp/bin GOWORK=off go install "github.com/influxdata/pkg-config@$PKG_CONFIG_VERSION" >>"$out" 2>&1 ||
		{ tail -n 20 "$out" >&2; die "influx2: could not install influxdata's pkg-config wrapper"; }
	printf '#!/bin/sh\n# rustc with lints capped at warnings (flux-core denies newer ones).\nexec "$@" --cap-lints warn\n' >"$tmp/bin/rustc-wrapper"
	chmod +x "$tmp/bin/rustc-wrapper"
	if ! (cd "$tmp/src" && PATH="$tmp/bin:$PATH" GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=1 \
		RUSTUP_TOOLCHAIN=stable RUSTC_WRAPPER="$tmp/bin/rustc-wrapper" \
		go build -tags sqlite_foreign_keys,sqlite_json -ldflags "-X main.version=$VERSION -X main.commit=v$VERSION" \
			-o "$tmp/influxd" ./cmd/influxd) >>"$out" 2>&1; then
		tail -n 30 "$out" >&2
		die "influx2: building influxd $VERSION failed (log: $out)"
	fi
	mkdir -p "$(dirname "$BIN")"
	mv "$tmp/influxd" "$BIN"
	rm -rf "$tmp"
	log "influx2: built influxd $VERSION in $((SECONDS - start)) s"
	exec {fd}>&-
}

# setup runs InfluxDB's first-time setup: user, org, bucket and token.
setup() {
	local body answer
	body='{"username":"storefit","password":"storefit-influx2","org":"storefit","bucket":"storefit","token":"'$TOKEN'"}'
	answer=$(http POST /api/v2/setup "$body") || die "influx2: setup request failed"
	head -n 1 <<<"$answer" | grep -q '^HTTP/1\.[01] 201' ||
		die "influx2: setup refused: $(head -n 1 <<<"$answer") $(tail -n 1 <<<"$answer")"
}

start() {
	build
	lock
	if pid >/dev/null; then
		wait_for 60 healthy || die "influx2: the server started before (pid $(pid)) does not answer on 127.0.0.1:$PORT; run '$0 stop'"
		dsn
		return 0
	fi
	port_free "$PORT" || die "influx2: 127.0.0.1:$PORT is taken by a server this script did not start; stop it or set STOREFIT_INFLUX2_PORT"
	rm -rf "$DIR"
	mkdir -p "$DIR"
	chmod 700 "$DIR"
	log "influx2: starting influxd $VERSION on 127.0.0.1:$PORT (data in $DIR)"
	# setsid: the server outlives this script; fd 9 (the lock) is closed for
	# it, or it would hold the lock.
	setsid "$BIN" --bolt-path "$DIR/influxd.bolt" --engine-path "$DIR/engine" --sqlite-path "$DIR/influxd.sqlite" \
		--http-bind-address "127.0.0.1:$PORT" --reporting-disabled --log-level error --ui-disabled \
		--pprof-disabled --metrics-disabled --flux-log-enabled=false \
		9>&- </dev/null >>"$DIR/influxd.log" 2>&1 &
	echo $! >"$PIDFILE"
	local p=$! deadline=$((SECONDS + 60))
	until healthy; do
		if ! kill -0 "$p" 2>/dev/null; then
			tail -n 5 "$DIR/influxd.log" >&2
			die "influx2: influxd exited during start; see $DIR/influxd.log"
		fi
		[ $SECONDS -ge $deadline ] && die "influx2: no answer on 127.0.0.1:$PORT after 60 s; see $DIR/influxd.log"
		sleep 0.2
	done
	setup
	dsn
}

stop() {
	lock
	local p
	if p=$(pid); then
		stop_pid influx2 "$p" 30
	fi
	rm -rf "$DIR"
}

status() {
	pid >/dev/null && healthy || return 1
	dsn
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
dsn) dsn ;;
pid) pid ;;
build) build ;;
*)
	echo "usage: $0 start|stop|status|dsn|pid|build" >&2
	exit 2
	;;
esac
