#!/usr/bin/env bash
# TimescaleDB for storefit without Docker: Debian's PostgreSQL 15 with the
# TimescaleDB extension preloaded, on its own port. Follows the contract in
# lib.sh:
#
#   timescale.sh start | stop | status | dsn | build
#
# TimescaleDB is not packaged for Debian and no registry serves it, so it is
# built from its release tarball, ../shared/vendor/timescaledb-VERSION.tar.gz
# beside the repository (STOREFIT_TIMESCALE_SOURCE names another), never
# copied into the repository: build (start runs it when needed) installs
# postgresql-server-dev-15 of the installed server's version and cmake, then
#
#   ./bootstrap -DCMAKE_BUILD_TYPE=Release -DPG_CONFIG=…/pg_config \
#       -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF -DWARNINGS_AS_ERRORS=OFF -DLINTER=OFF
#   make -C build && make -C build install DESTDIR=<cache>
#
# into $STOREFIT_CACHE_DIR/timescaledb-VERSION-pgPGVERSION (about 3 min of
# CPU; reused by every later start on the machine).
#
# The extension is not installed into the system's PostgreSQL: a server there
# would list it as available to every database on the machine, and the
# postgres store's servers must stay plain PostgreSQL. Instead start lays out
# a private installation tree in the data directory — a copy of Debian's
# postgres executable under lib/postgresql/15/bin, with lib/ and share/ made
# of links to Debian's files plus TimescaleDB's — and runs that executable:
# PostgreSQL finds its libraries and extension files relative to its own
# location (relocatable installations), so only this server sees TimescaleDB.
#
# Everything else is postgres.sh's (same settings, user, database and DSN
# form, see there), plus:
#   shared_preload_libraries = 'timescaledb'   the extension must be preloaded
#   timescaledb.telemetry_level = off          no telemetry from a benchmark
#   timescaledb.max_background_workers = 4     no policies run; the default 16
#                                              exceeds max_worker_processes (8)
# and the extension created in the storefit database (by the superuser, as
# the timescaledb Docker image does).
#
# Environment:
#   STOREFIT_NATIVE_DIR          parent of the data directory (default /tmp/storefit-native)
#   STOREFIT_TIMESCALE_PORT      port to use; it must be free. Unset: 5433 (the
#                                docker-compose port), or the next free one above
#   STOREFIT_TIMESCALE_PASSWORD  password of the storefit user (default storefit)
#   STOREFIT_TIMESCALE_PRELOAD   0: do not preload the library (a server where
#                                the extension is listed but unusable; for tests)
#   STOREFIT_TIMESCALE_SOURCE    the release tarball (default ../shared/vendor/
#                                timescaledb-2.28.3.tar.gz beside the repository)
#   STOREFIT_CACHE_DIR           where the build is kept (default
#                                ${XDG_CACHE_HOME:-~/.cache}/storefit)

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

TS_VERSION=2.28.3
TS_SOURCE=${STOREFIT_TIMESCALE_SOURCE:-$HERE/../../../shared/vendor/timescaledb-$TS_VERSION.tar.gz}
TS_PRELOAD=${STOREFIT_TIMESCALE_PRELOAD:-1}
CACHE=${STOREFIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/storefit}

PG_BIN=/usr/lib/postgresql/15/bin
PG_NAME=timescale
PG_DEFAULT_PORT=5433
PG_PORT=${STOREFIT_TIMESCALE_PORT:-}
PG_PASSWORD=${STOREFIT_TIMESCALE_PASSWORD:-storefit}
# The private tree (see the header); pg_install_extra lays it out.
PG_ROOT=$STOREFIT_NATIVE_DIR/$PG_NAME/root
PG_SERVER=$PG_ROOT/lib/postgresql/15/bin/postgres

case "$TS_PRELOAD" in
0 | 1) ;;
*) die "timescale: STOREFIT_TIMESCALE_PRELOAD=$TS_PRELOAD: use 1 (default) or 0" ;;
esac

# pg_version prints the installed postgresql-15 package's version.
pg_version() { dpkg-query -W -f='${Version}' postgresql-15 2>/dev/null; }

# stage prints the directory of the build for the installed server.
stage() { echo "$CACHE/timescaledb-$TS_VERSION-pg$(pg_version)"; }

# need_server_dev installs the server headers of the installed server's
# version (a newer one would upgrade the server under running clusters),
# or the newest when that version is no longer in the package lists.
need_server_dev() {
	dpkg-query -W -f='${Status}' postgresql-server-dev-15 2>/dev/null | grep -q "install ok installed" && return 0
	local v sudo=""
	v=$(pg_version)
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	local fd
	exec {fd}>"${TMPDIR:-/tmp}/storefit-apt.lock"
	flock "$fd"
	log "timescale: installing postgresql-server-dev-15 $v"
	$sudo apt-get update -qq >/dev/null 2>&1 || true
	if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "postgresql-server-dev-15=$v" >/dev/null 2>&1; then
		log "timescale: postgresql-server-dev-15 $v is not in the package lists; installing the newest"
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql-server-dev-15 >/dev/null 2>&1 ||
			die "timescale: could not install postgresql-server-dev-15"
	fi
	exec {fd}>&-
}

# build compiles TimescaleDB into the cache unless it is there.
build() {
	need_packages postgresql-15 cmake gcc make libssl-dev
	local st
	st=$(stage)
	[ -f "$st/.complete" ] && return 0
	mkdir -p "$CACHE"
	local fd
	exec {fd}>"$CACHE/.timescaledb.lock"
	flock "$fd"
	if [ -f "$st/.complete" ]; then
		exec {fd}>&-
		return 0
	fi
	[ -f "$TS_SOURCE" ] || die "timescale: no TimescaleDB source at $TS_SOURCE (the release tarball is kept in ../shared/vendor beside the repository; set STOREFIT_TIMESCALE_SOURCE)"
	need_server_dev
	local tmp=$st.build.$$ start=$SECONDS out
	rm -rf "$tmp"
	mkdir -p "$tmp"
	out=$tmp/build.log
	log "timescale: building TimescaleDB $TS_VERSION into $st (once per machine; log in $out)"
	tar -xzf "$TS_SOURCE" -C "$tmp" || die "timescale: cannot unpack $TS_SOURCE"
	local src
	src=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	[ -x "$src/bootstrap" ] || die "timescale: $TS_SOURCE has no bootstrap script"
	if ! (cd "$src" && ./bootstrap -DCMAKE_BUILD_TYPE=Release -DPG_CONFIG="$PG_BIN/pg_config" \
		-DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF -DWARNINGS_AS_ERRORS=OFF -DLINTER=OFF &&
		make -C build -j"$(nproc)" && make -C build install DESTDIR="$tmp/stage") >"$out" 2>&1; then
		tail -n 30 "$out" >&2
		die "timescale: building TimescaleDB $TS_VERSION failed (log: $out)"
	fi
	rm -rf "$st"
	mv "$tmp/stage" "$st"
	rm -rf "$tmp"
	touch "$st/.complete"
	log "timescale: built TimescaleDB $TS_VERSION in $((SECONDS - start)) s"
	exec {fd}>&-
}

# pg_install_extra (called by postgres.sh's install): the build, then the
# private installation tree the server runs from.
pg_install_extra() {
	build
	local st sys_lib=/usr/lib/postgresql/15/lib sys_share=/usr/share/postgresql/15 f
	st=$(stage)
	rm -rf "$PG_ROOT"
	mkdir -p "$PG_ROOT/lib/postgresql/15/bin" "$PG_ROOT/lib/postgresql/15/lib" "$PG_ROOT/share/postgresql/15/extension"
	# A copy, not a link: PostgreSQL resolves links to find where it runs from.
	cp "$PG_BIN/postgres" "$PG_SERVER"
	for f in "$sys_lib"/*; do ln -s "$f" "$PG_ROOT/lib/postgresql/15/lib/"; done
	for f in "$sys_share"/*; do
		[ "$(basename "$f")" = extension ] || ln -s "$f" "$PG_ROOT/share/postgresql/15/"
	done
	for f in "$sys_share"/extension/*; do ln -s "$f" "$PG_ROOT/share/postgresql/15/extension/"; done
	# TimescaleDB's own files are copied: the server user may not read the cache.
	cp "$st$sys_lib"/timescaledb*.so "$PG_ROOT/lib/postgresql/15/lib/"
	cp "$st$sys_share"/extension/timescaledb* "$PG_ROOT/share/postgresql/15/extension/"
	chmod -R a+rX "$PG_ROOT"
}

pg_extra_conf() {
	echo "# TimescaleDB (compose/native/timescale.sh)"
	if [ "$TS_PRELOAD" = 1 ]; then
		echo "shared_preload_libraries = 'timescaledb'"
	else
		echo "# not preloaded (STOREFIT_TIMESCALE_PRELOAD=0): the extension is listed but unusable"
	fi
	echo "timescaledb.telemetry_level = off"
	echo "timescaledb.max_background_workers = 4"
}

# pg_init_db (called by postgres.sh once the database exists) creates the
# extension in the storefit database as a superuser, as the timescaledb
# Docker image does for its database.
pg_init_db() {
	[ "$TS_PRELOAD" = 1 ] || return 0
	as_pg "${psql[@]}" -c "CREATE EXTENSION IF NOT EXISTS timescaledb" >/dev/null ||
		die "timescale: could not create the timescaledb extension; see $PG_DIR/server.log"
}

if [ "${1:-}" = build ]; then
	build
	exit 0
fi
# shellcheck source=postgres.sh
. "$HERE/postgres.sh"
