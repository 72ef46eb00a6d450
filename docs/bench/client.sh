#!/usr/bin/env bash
# Side-by-side measurements of storefit's client against the stores' own C
# tools and go-ycsb, on one machine in one run (issue 20; docs/benchmarks.md
# shows the figures of a quiet machine):
#
#   1. PostgreSQL: storefit point/c (uniform keys, all ten fields) in each
#      connection mode — the shared pgxpool; conns=worker (a connection per
#      worker, YCSB's and pgbench's semantics); conns=worker&io=blocking —
#      vs pgbench -M prepared running postgres-ycsb-read.sql (the same read
#      of storefit's usertable), at 1, 2 and 8 clients. Target: ≥ 0.9×.
#   2. Redis: storefit point/c (1 KB records) with auto-pipelining (the
#      default), conns=worker, conns=worker&io=blocking vs redis-benchmark
#      -t get -d 1000 (one blocking connection per client, no -P), at 2 and
#      16 clients. Target with pipelining off: ≥ 0.95×.
#   3. Harness ceiling: storefit's noop store, point/c, 2 workers, vs
#      go-ycsb's basic database with 2 threads, when $GO_YCSB names a go-ycsb
#      binary built outside this repository. Target: ≥ 5×.
#
# Each line gives both rates, their ratio, the CPU time per operation of each
# client (storefit's from its result; the peer's from getrusage of its
# process) and, when the server's pid is known, the server's CPU per
# operation (storefit's result). The runs of a round alternate, and rounds
# repeat, so drift of the machine spreads over every figure. Run it on a
# quiet machine: on a busy one the figures measure the other processes.
#
# Usage: docs/bench/client.sh [rounds]   (default 3; SECS=10 per run)
# Needs: bin/storefit (make build; STOREFIT_BIN names another); STOREFIT_POSTGRES_DSN and
# STOREFIT_REDIS_DSN (compose/native/{postgres,redis}.sh start; with
# STOREFIT_POSTGRES_PID / STOREFIT_REDIS_PID, from their pid action or
# `eval "$(bin/storefit up postgres redis)"`, the server figures too);
# pgbench (postgresql-client) and redis-benchmark (redis-tools) from the
# Debian packages; python3. Optional: GO_YCSB=/path/to/go-ycsb.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
secs=${SECS:-10}
pg=${STOREFIT_POSTGRES_DSN:?set STOREFIT_POSTGRES_DSN}
rd=${STOREFIT_REDIS_DSN:?set STOREFIT_REDIS_DSN}
bin=${STOREFIT_BIN:-bin/storefit}
[ -x "$bin" ] || { echo "client.sh: $bin missing: run make build" >&2; exit 2; }
for t in pgbench redis-benchmark python3; do
	command -v $t >/dev/null || { echo "client.sh: $t missing (apt-get install postgresql-client redis-tools python3)" >&2; exit 2; }
done
records=100000
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# sep DSN OPTIONS: the DSN with OPTIONS appended to its query.
sep() { case "$1" in *\?*) echo "$1&$2" ;; *) echo "$1?$2" ;; esac; }

# cpu FILE CMD...: runs CMD, its stdout to FILE, and prints the CPU seconds
# (user + system) it and its children used.
cpu() {
	python3 - "$@" <<'EOF'
import resource, subprocess, sys
with open(sys.argv[1], "w") as out:
    subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL, check=True)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(ru.ru_utime + ru.ru_stime)
EOF
}

# figures RESULT: ops/s, storefit µs CPU/op, server µs CPU/op (or -).
figures() {
	python3 - "$1" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))["cells"][0]
r = c["run"]
h = r.get("harness") or {}
s = r.get("server") or {}
print(round(r["ops_per_s"]), round(h.get("cpu_us_per_op", 0), 1), round(s["cpu_us_per_op"], 1) if s.get("cpu_us_per_op") else "-")
EOF
}

# row TARGET CLIENTS MODE RESULT PEER_OPS PEER_CPU_S: one output line.
row() {
	read -r ops us server < <(figures "$4")
	python3 -c "import sys; t,c,m,o,u,s,p,pc=sys.argv[1:]; o,p,pc=float(o),float(p),float(pc)
print(f'{t:9} {c:>3} {m:24} {o:>10.0f} {p:>10.0f} {o/p if p else 0:>6.2f} {u:>8} {pc*1e6/(p*$secs) if p else 0:>8.1f} {s:>8}')" \
		"$1" "$2" "$3" "$ops" "$us" "$server" "$5" "$6"
}

# storefit STORE-DSN WORKERS OUT [flags...]: a measured run on loaded data.
storefit() {
	local dsn=$1 w=$2 out=$3
	shift 3
	$bin run --workload point/c --store "$dsn" --set requestdistribution=uniform --records $records \
		--phase run --validate=false --workers "$w" --duration "${secs}s" --warmup 2s --quiet --out "$out" "$@" >/dev/null 2>&1
}

echo "# $(date -u +%FT%TZ) load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, ${secs}s per run"
echo "# loading $records records into PostgreSQL and Redis, and the pgbench / redis-benchmark data"
$bin run --workload point/c --store "postgres=$pg" --store "redis=$rd" --records $records --phase load --quiet --out "$work/load.json" >/dev/null 2>&1
read -r rhost rport < <(python3 -c 'import sys, urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or 6379)' "$rd")
redis-benchmark -h "$rhost" -p "$rport" -t set -d 1000 -r $records -n $((2 * records)) -q >/dev/null

echo "target    cli mode                     storefit       peer  ratio sf_us/op peer_us/op srv_us/op"
for round in $(seq "$rounds"); do
	echo "# round $round"
	for c in 1 2 8; do
		p=$(cpu "$work/pgb" pgbench -n -M prepared -f docs/bench/postgres-ycsb-read.sql -c "$c" -j "$c" -T "$secs" "$pg")
		tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgb")
		for mode in "" conns=worker conns=worker\&io=blocking; do
			dsn="postgres=$pg"
			[ -n "$mode" ] && dsn="postgres=$(sep "$pg" "$mode")"
			storefit "$dsn" "$c" "$work/pg.json"
			row postgres "$c" "${mode:-pool}" "$work/pg.json" "$tps" "$p"
		done
	done
	for c in 2 16; do
		n=$((c * 20000 * secs))
		p=$(cpu "$work/rb" redis-benchmark -h "$rhost" -p "$rport" -t get -d 1000 -r $records -c "$c" -n "$n" -q)
		# redis-benchmark runs a request count, not a time: its rate is
		# what it prints; its CPU per op is over the requests it made.
		rps=$(tr '\r' '\n' <"$work/rb" | sed -n 's/^GET: \([0-9.]*\) requests per second.*/\1/p' | tail -n 1)
		pcs=$(python3 -c "print($p * $rps * $secs / $n)")
		for mode in "" conns=worker conns=worker\&io=blocking; do
			dsn="redis=$rd"
			[ -n "$mode" ] && dsn="redis=$(sep "$rd" "$mode")"
			storefit "$dsn" "$c" "$work/rd.json"
			row redis "$c" "${mode:-auto-pipelining}" "$work/rd.json" "$rps" "$pcs"
		done
	done
	if [ -n "${GO_YCSB:-}" ]; then
		$bin run --workload point/c --store noop --workers 2 --duration "${secs}s" --warmup 2s --quiet --out "$work/noop.json" >/dev/null 2>&1
		p=$(cpu "$work/ycsb" "$GO_YCSB" run basic -p operationcount=100000000 -p recordcount=$records \
			-p threadcount=2 -p maxexecutiontime="$secs" -p basicdb.verbose=false)
		yops=$(sed -n 's/^TOTAL .*OPS: \([0-9.]*\).*/\1/p' "$work/ycsb" | tail -n 1)
		row noop 2 "go-ycsb basic" "$work/noop.json" "$yops" "$p"
	fi
done
echo "# $(date -u +%FT%TZ) load average $(cut -d' ' -f1-3 /proc/loadavg)"
