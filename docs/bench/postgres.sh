#!/usr/bin/env bash
# Side-by-side measurements of the postgres driver against PostgreSQL's own
# tools, on one machine in one run (docs/benchmarks.md shows the results):
#
#   1. storefit point/c (uniform keys) vs pgbench -S -M prepared and vs
#      pgbench running postgres-ycsb-read.sql (the same read of storefit's
#      usertable), at 1, 2 and 4 clients;
#   2. storefit's load phase of point/a vs psql \copy of `storefit gen`'s CSV
#      of the same data into the same table.
#
# Usage: docs/bench/postgres.sh [repetitions]   (default 3)
# Needs: STOREFIT_POSTGRES_DSN (compose/native/postgres.sh start prints one),
# pgbench and psql (postgresql-client), python3, and bin/storefit (make build).
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-3}
dsn=${STOREFIT_POSTGRES_DSN:?set STOREFIT_POSTGRES_DSN}
bin=bin/storefit
secs=10
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ops() { python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["cells"][0]; print(round(c["run"]["ops_per_s"]), round(c["load"]["rows_per_s"]), c["load"]["seconds"])' "$1"; }
tps() { sed -n 's/^tps = \([0-9.]*\).*/\1/p' | cut -d. -f1; }

echo "# load average $(cut -d' ' -f1-3 /proc/loadavg)"
pgbench -i -s 1 -q "$dsn" >/dev/null 2>&1
echo "rep clients storefit_ops pgbench_S_tps pgbench_usertable_tps"
for rep in $(seq "$reps"); do
	for c in 1 2 4; do
		$bin run --workload point/c --store "postgres=$dsn" --set requestdistribution=uniform \
			--workers "$c" --duration ${secs}s --warmup 2s --quiet --out "$work/r.json" 2>/dev/null
		read -r s _ _ < <(ops "$work/r.json")
		u=$(pgbench -n -M prepared -f docs/bench/postgres-ycsb-read.sql -c "$c" -j "$c" -T $secs "$dsn" 2>/dev/null | tps)
		p=$(pgbench -n -S -M prepared -c "$c" -j "$c" -T $secs "$dsn" 2>/dev/null | tps)
		echo "$rep $c $s $p $u"
	done
done

echo
echo "rep storefit_load_s storefit_rows_per_s copy_s copy_pk_analyze_s"
$bin gen --workload point/a --format csv --out "$work/gen" >/dev/null 2>&1
ddl="DROP TABLE IF EXISTS usertable; CREATE TABLE usertable (ycsb_key bytea NOT NULL"
for i in $(seq 0 9); do ddl="$ddl, field$i bytea NOT NULL"; done
ddl="$ddl);"
for rep in $(seq "$reps"); do
	$bin run --workload point/a --store "postgres=$dsn" --ops 1 --warmup 0s --quiet --out "$work/l.json" 2>/dev/null
	read -r _ rate secs_load < <(ops "$work/l.json")
	psql -X -q "$dsn" -c "$ddl"
	t0=$(date +%s.%N)
	psql -X -q "$dsn" -c "\\copy usertable FROM '$work/gen/usertable.csv' CSV HEADER"
	t1=$(date +%s.%N)
	psql -X -q "$dsn" -c "ALTER TABLE usertable ADD PRIMARY KEY (ycsb_key); ANALYZE usertable"
	t2=$(date +%s.%N)
	echo "$rep $secs_load $rate $(python3 -c "print(round($t1 - $t0, 2), round($t2 - $t0, 2))")"
done
echo "# load average $(cut -d' ' -f1-3 /proc/loadavg)"
