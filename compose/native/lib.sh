#!/usr/bin/env bash
# Shared helpers for the native server scripts (sourced, not run).
#
# Contract of every compose/native/<server>.sh:
#   <server>.sh start   install the server from packages if missing, start it on
#                       127.0.0.1 with its data under $STOREFIT_NATIVE_DIR/<server>,
#                       wait until it answers, print its DSN on stdout (only that).
#                       Idempotent: if it already runs, print the DSN and exit 0.
#   <server>.sh stop    stop it and remove its data directory. Idempotent.
#   <server>.sh status  exit 0 if it runs (printing the DSN), 1 if not.
#   <server>.sh dsn     print the DSN it uses (running or not).
#   <server>.sh pid     print the process id of the running server (its main
#                       process: storefit's faults signal it and its children,
#                       and storefit run measures them: run --server-pid,
#                       $STOREFIT_<SERVER>_PID, which storefit up exports);
#                       exit 1 if it does not run.
# Progress and errors go to stderr, one line each.

set -euo pipefail

STOREFIT_NATIVE_DIR=${STOREFIT_NATIVE_DIR:-/tmp/storefit-native}

log() { echo "storefit native: $*" >&2; }
die() { log "$*"; exit 1; }

# need_packages PKG... installs the Debian packages that are missing.
need_packages() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	# Scripts may run in parallel (CI starts servers together): one apt at
	# a time, and check again once we hold the lock.
	local lockfd
	exec {lockfd}>"${TMPDIR:-/tmp}/storefit-apt.lock"
	flock "$lockfd"
	local still=()
	for p in "${missing[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || still+=("$p")
	done
	missing=("${still[@]}")
	if [ ${#missing[@]} -eq 0 ]; then
		exec {lockfd}>&-
		return 0
	fi
	log "installing ${missing[*]}"
	local out
	out=$(mktemp)
	if ! $sudo apt-get update -qq >"$out" 2>&1; then
		tail -n 5 "$out" >&2
		rm -f "$out"
		die "apt-get update failed"
	fi
	if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$out" 2>&1; then
		tail -n 5 "$out" >&2
		rm -f "$out"
		die "could not install ${missing[*]}"
	fi
	rm -f "$out"
	exec {lockfd}>&-
}

# wait_for SECONDS CMD... runs CMD until it succeeds or SECONDS pass.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.2
	done
}

# port_free PORT: true if nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# maven ARGS... runs mvn with the arguments, one at a time across the scripts:
# they share the local Maven repository (~/.m2), and Maven 3.8 does not lock
# it against concurrent downloads.
maven() {
	local fd rc=0
	exec {fd}>"${TMPDIR:-/tmp}/storefit-maven.lock"
	flock "$fd"
	mvn "$@" || rc=$?
	exec {fd}>&-
	return $rc
}

# stop_pid NAME PID SECONDS stops a server process: TERM, then KILL if it
# has not exited after SECONDS.
stop_pid() {
	local name=$1 p=$2 secs=$3
	log "$name: stopping pid $p"
	kill -TERM "$p"
	local deadline=$((SECONDS + secs))
	while kill -0 "$p" 2>/dev/null; do
		if [ $SECONDS -ge $deadline ]; then
			log "$name: pid $p did not stop within $secs s; killing it"
			kill -KILL "$p" 2>/dev/null || true
			sleep 0.5
			break
		fi
		sleep 0.2
	done
}

# maven_jars NAME POM LIB WHAT JAR... copies the dependencies of the Maven
# project POM into LIB unless a complete copy is there: Maven resolves them
# (into its local repository, from Maven's default central repository) and
# copies them into a temporary directory, renamed into place when complete.
# WHAT says in messages what is resolved; each JAR must be among them.
maven_jars() {
	local name=$1 pom=$2 lib=$3 what=$4
	shift 4
	[ -f "$lib/.complete" ] && return 0
	command -v mvn >/dev/null 2>&1 || need_packages maven
	log "$name: resolving $what jars with Maven into $lib"
	local tmp=$lib.tmp.$$ out jar
	rm -rf "$tmp"
	mkdir -p "$tmp"
	out=$(mktemp)
	# shellcheck disable=SC2086 # STOREFIT_MAVEN_ARGS is a list of arguments
	if ! maven -q -B ${STOREFIT_MAVEN_ARGS:-} -f "$pom" dependency:copy-dependencies -Dlib.dir="$tmp" >"$out" 2>&1; then
		tail -n 20 "$out" >&2
		rm -rf "$tmp" "$out"
		die "$name: Maven could not resolve $what (output above)"
	fi
	rm -f "$out"
	for jar in "$@"; do
		[ -f "$tmp/$jar" ] || die "$name: Maven left no $jar in $tmp"
	done
	touch "$tmp/.complete"
	rm -rf "$lib"
	mv "$tmp" "$lib"
}

# memory_mib prints $STOREFIT_MEMORY, the memory bound a server is started
# with (storefit up --memory; "512MiB", "512m", "2GiB", "2g"), in MiB, or
# nothing when it is unset. A value it cannot read ends the script.
memory_mib() {
	local v=${STOREFIT_MEMORY:-} n unit
	[ -n "$v" ] || return 0
	n=${v%%[!0-9]*}
	unit=${v#"$n"}
	[ -n "$n" ] || die "STOREFIT_MEMORY=$v: give a size such as 512MiB or 2GiB"
	[ $((10#$n)) -gt 0 ] || die "STOREFIT_MEMORY=$v: the bound must be more than 0"
	case "$unit" in
	m | M | MB | MiB | mb) echo $((10#$n)) ;;
	g | G | GB | GiB | gb) echo $((10#$n * 1024)) ;;
	*) die "STOREFIT_MEMORY=$v: give a size such as 512MiB or 2GiB" ;;
	esac
}

# same_memory_bound DIR NAME checks that a running server in DIR was started
# with the memory bound asked for now (DIR/memory records it; none when
# empty): a reused server must not run under another bound than the one a
# result will claim.
same_memory_bound() {
	local dir=$1 name=$2 want had=""
	want=$(memory_mib)
	[ -f "$dir/memory" ] && had=$(cat "$dir/memory")
	[ "$want" = "$had" ] && return 0
	local was="no memory bound" asked="none"
	[ -n "$had" ] && was="a memory bound of $had MiB"
	[ -n "$want" ] && asked="$want MiB"
	die "$name: the server was started with $was, this start asks for $asked; stop it first ($name.sh stop)"
}
