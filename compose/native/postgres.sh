#!/usr/bin/env bash
# PostgreSQL 15 for storefit, from Debian packages, without Docker.
#
#   postgres.sh start    install postgresql-15 if missing (and wal2json when the
#                        package exists), initdb into $STOREFIT_NATIVE_DIR/postgres,
#                        start on 127.0.0.1, create the storefit user and database,
#                        print the DSN. Idempotent: a running server is reused.
#   postgres.sh stop     stop it and remove its data directory. Idempotent.
#   postgres.sh status   exit 0 and print the DSN if it runs, exit 1 if not.
#   postgres.sh dsn      print the DSN it uses (running or not).
#   postgres.sh pid      print the postmaster's process id if it runs, exit 1 if not.
#
# Environment:
#   STOREFIT_NATIVE_DIR         parent of the data directory (default /tmp/storefit-native)
#   STOREFIT_POSTGRES_PORT      port to use; it must be free. Unset: 5432, or the
#                               next free port above it when 5432 is taken (said on stderr)
#   STOREFIT_POSTGRES_PASSWORD  password of the storefit user (default storefit, the
#                               password the postgres driver's default DSN uses)
#
# The server runs as the postgres system user when this script runs as root
# (initdb refuses root), as the calling user otherwise. Its unix socket lives in
# the data directory's parent (mode 0700), so only that user reaches it; TCP
# listens on 127.0.0.1 only and needs the password (scram-sha-256).
#
# Settings, chosen for a benchmark machine of 2 cores and 24 GiB that other
# processes share (see write_conf below for each one and why):
#   shared_buffers 4GB, effective_cache_size 12GB, work_mem 64MB,
#   maintenance_work_mem 1GB, max_wal_size 16GB, checkpoint_timeout 30min,
#   wal_level logical (for CDC work), synchronous_commit off, jit off,
#   max_parallel_workers_per_gather 2, random_page_cost 1.1.
#
# timescale.sh is this script with other settings: it sets the PG_* variables
# below (name, port, password, the server binary and hooks for its extension)
# before sourcing it.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# What a script sourcing this one may set first (defaults: the postgres server):
#   PG_NAME           name in messages and of the data directory under $STOREFIT_NATIVE_DIR
#   PG_DEFAULT_PORT   first port tried when PG_PORT is empty
#   PG_PORT           the port asked for (it must be free), or empty
#   PG_PASSWORD       password of the storefit user
#   PG_SERVER         the postgres executable pg_ctl starts
#   pg_install_extra  a function run after the packages are installed
#   pg_extra_conf     a function printing lines appended to postgresql.conf
#   pg_init_db        a function run once after the storefit database is made,
#                     with "${psql[@]}" a superuser psql command on it
PG_VERSION=15
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
PG_NAME=${PG_NAME:-postgres}
PG_DEFAULT_PORT=${PG_DEFAULT_PORT:-5432}
PG_PORT=${PG_PORT-${STOREFIT_POSTGRES_PORT:-}}
PG_PASSWORD=${PG_PASSWORD:-${STOREFIT_POSTGRES_PASSWORD:-storefit}}
PG_SERVER=${PG_SERVER:-$PG_BIN/postgres}
PG_DIR=$STOREFIT_NATIVE_DIR/$PG_NAME
PG_DATA=$PG_DIR/data
PG_SOCK=$PG_DIR/run
declare -F pg_install_extra >/dev/null || pg_install_extra() { :; }
declare -F pg_extra_conf >/dev/null || pg_extra_conf() { :; }
declare -F pg_init_db >/dev/null || pg_init_db() { :; }

# as_pg CMD... runs CMD as the user that owns the server.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# port prints the port in use: the one chosen at start, else the requested one.
port() {
	if [ -s "$PG_DIR/port" ]; then
		cat "$PG_DIR/port"
	else
		echo "${PG_PORT:-$PG_DEFAULT_PORT}"
	fi
}

dsn() {
	# The password is percent-encoded for the URL.
	local pw
	pw=$(printf '%s' "$PG_PASSWORD" | od -An -tx1 -v | tr -d ' \n' | sed 's/../%&/g')
	case "$PG_PASSWORD" in
	*[!A-Za-z0-9._~-]*) ;;
	*) pw=$PG_PASSWORD ;;
	esac
	echo "postgres://storefit:$pw@127.0.0.1:$(port)/storefit?sslmode=disable"
}

# pid prints the postmaster's process id, if the server runs.
pid() {
	running || return 1
	head -n 1 "$PG_DATA/postmaster.pid"
}

running() {
	[ -f "$PG_DATA/PG_VERSION" ] || return 1
	as_pg "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1 || return 1
	"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$(port)" -d storefit -U storefit
}

install() {
	need_packages postgresql-$PG_VERSION
	# wal2json (JSON logical decoding, for CDC work) when the package exists.
	if ! dpkg-query -W -f='${Status}' postgresql-$PG_VERSION-wal2json 2>/dev/null | grep -q "install ok installed"; then
		if apt-cache show postgresql-$PG_VERSION-wal2json >/dev/null 2>&1; then
			(need_packages postgresql-$PG_VERSION-wal2json) || log "postgresql-$PG_VERSION-wal2json not installed; going on without it"
		else
			log "postgresql-$PG_VERSION-wal2json is not in the package lists; going on without it"
		fi
	fi
	[ -x "$PG_BIN/initdb" ] || die "PostgreSQL $PG_VERSION binaries not found in $PG_BIN"
	pg_install_extra
}

choose_port() {
	local p
	if [ -n "$PG_PORT" ]; then
		p=$PG_PORT
		port_free "$p" || die "$PG_NAME: port $p is taken; choose another"
	else
		p=$PG_DEFAULT_PORT
		while ! port_free "$p"; do
			p=$((p + 1))
			[ $p -gt $((PG_DEFAULT_PORT + 100)) ] && die "$PG_NAME: no free port in $PG_DEFAULT_PORT..$((PG_DEFAULT_PORT + 100))"
		done
		[ "$p" -ne "$PG_DEFAULT_PORT" ] && log "port $PG_DEFAULT_PORT is taken; $PG_NAME uses port $p"
	fi
	echo "$p" >"$PG_DIR/port"
}

write_conf() {
	cat >>"$PG_DATA/postgresql.conf" <<EOF

# --- storefit (compose/native/$PG_NAME.sh) ---
listen_addresses = '127.0.0.1'
port = $(port)
unix_socket_directories = '$PG_SOCK'
max_connections = 200
# Memory, for 24 GiB shared with other processes: a sixth for shared buffers,
# half assumed available as OS cache (planner hint only).
shared_buffers = 4GB
effective_cache_size = 12GB
# Per sort/hash node: generous for the agg and graph queries, safe at 200
# connections because benchmark clients use few.
work_mem = 64MB
# Index builds after bulk loads (FinishLoad) and VACUUM.
maintenance_work_mem = 1GB
# Bulk loads: few checkpoints, no full-page-write storms mid-load.
max_wal_size = 16GB
min_wal_size = 1GB
checkpoint_timeout = 30min
checkpoint_completion_target = 0.9
wal_buffers = 64MB
# Logical decoding for CDC work (wal2json); costs a little WAL volume.
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
# Commits do not wait for the WAL flush: a crash loses at most ~0.6 s of
# acknowledged commits but never corrupts data (fsync stays on). The stores
# storefit compares (Redis without persistence, embedded stores without a
# sync per operation) do not wait for the disk either, so this compares like
# with like. Set it back to on to measure durable commits.
synchronous_commit = off
fsync = on
# Two cores: a gather may use both for the agg queries.
max_worker_processes = 8
max_parallel_workers = 2
max_parallel_workers_per_gather = 2
max_parallel_maintenance_workers = 2
# Local disk (SSD or page cache): random reads cost about as much as sequential.
random_page_cost = 1.1
effective_io_concurrency = 200
# JIT compiles expensive queries (the agg ones) for 50-200 ms each time, more
# than it saves on queries of a second or less.
jit = off
# Autovacuum keeps up with update-heavy mixes (point/a, crud, wide).
autovacuum_naptime = 10s
autovacuum_vacuum_scale_factor = 0.05
autovacuum_analyze_scale_factor = 0.05
# Quiet logs in the data directory.
logging_collector = off
log_min_messages = warning
log_checkpoints = off
EOF
	pg_extra_conf >>"$PG_DATA/postgresql.conf"
}

start() {
	mkdir -p "$STOREFIT_NATIVE_DIR" "$PG_DIR"
	exec 9>"$PG_DIR/.lock"
	flock 9 # one start at a time: a second waits, then finds the server running
	if running; then
		dsn
		return 0
	fi
	install
	local owner=postgres
	[ "$(id -u)" -ne 0 ] && owner=$(id -un)
	if [ "$owner" = postgres ] && ! runuser -u postgres -- test -x "$STOREFIT_NATIVE_DIR"; then
		# e.g. a mktemp -d directory (mode 0700): let the server user through.
		chmod o+x "$STOREFIT_NATIVE_DIR"
		runuser -u postgres -- test -x "$STOREFIT_NATIVE_DIR" \
			|| die "the postgres user cannot reach $STOREFIT_NATIVE_DIR; choose a STOREFIT_NATIVE_DIR under a directory it can enter"
	fi
	if [ ! -f "$PG_DATA/PG_VERSION" ]; then
		rm -rf "$PG_DATA" "$PG_SOCK"
		mkdir -p "$PG_DATA" "$PG_SOCK"
		chown "$owner" "$PG_DIR" "$PG_DATA" "$PG_SOCK"
		chmod 700 "$PG_DATA" "$PG_SOCK"
		choose_port
		log "initdb $PG_DATA"
		local pwfile
		pwfile=$(mktemp)
		printf '%s\n' "$PG_PASSWORD" >"$pwfile"
		chown "$owner" "$pwfile"
		as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$pwfile" -E UTF8 --locale=C \
			--auth-local=peer --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 \
			|| { rm -f "$pwfile"; die "initdb failed; see $PG_DIR/initdb.log"; }
		rm -f "$pwfile"
		if [ "$(id -u)" -ne 0 ]; then
			# Peer authentication maps the OS user to a role of the same name.
			sed -i "s/^local\(.*\)peer$/local\1trust/" "$PG_DATA/pg_hba.conf"
		fi
		write_conf
		fresh=1
	else
		# Stopped but initialized: start it again on the port it had.
		port_free "$(port)" || die "port $(port) of the stopped server in $PG_DIR is taken; run '$0 stop' first"
		fresh=0
	fi
	log "starting $PG_NAME on 127.0.0.1:$(port)"
	# 9>&-: the server must not inherit (and so hold) the start lock.
	as_pg "$PG_BIN/pg_ctl" start -w -t 60 -p "$PG_SERVER" -D "$PG_DATA" -l "$PG_DIR/server.log" >/dev/null 9>&- \
		|| die "$PG_NAME did not start; see $PG_DIR/server.log"
	if [ "$fresh" -eq 1 ]; then
		local psql=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$(port)" -U postgres -d postgres)
		as_pg "${psql[@]}" -v pw="$PG_PASSWORD" >/dev/null <<'EOF' || die "could not create the storefit user and database"
CREATE ROLE storefit LOGIN REPLICATION CREATEDB PASSWORD :'pw';
CREATE DATABASE storefit OWNER storefit;
EOF
		as_pg "${psql[@]}" -d storefit -c "ALTER SCHEMA public OWNER TO storefit" >/dev/null \
			|| die "could not give the storefit user its schema"
		psql+=(-d storefit)
		pg_init_db
	fi
	wait_for 30 "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$(port)" -d storefit -U storefit \
		|| die "$PG_NAME on 127.0.0.1:$(port) does not answer; see $PG_DIR/server.log"
	dsn
}

stop() {
	[ -d "$PG_DIR" ] || return 0
	exec 9>"$PG_DIR/.lock"
	flock 9
	if [ -f "$PG_DATA/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1; then
		log "stopping $PG_NAME on 127.0.0.1:$(port)"
		as_pg "$PG_BIN/pg_ctl" stop -w -t 60 -m fast -D "$PG_DATA" >/dev/null \
			|| die "$PG_NAME did not stop; see $PG_DIR/server.log"
	fi
	rm -rf "$PG_DIR"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status)
	running || exit 1
	dsn
	;;
dsn) dsn ;;
pid) pid ;;
*)
	echo "usage: $0 start|stop|status|dsn|pid" >&2
	exit 2
	;;
esac
