#!/usr/bin/env bash
# The all-stores verdict of docs/benchmarks.md ("Every store, one run"):
# starts every server freshly (compose/native, through storefit up), runs
# suites/allstores.yaml (each store at its capacity: workers auto, warm-up
# until steady) and suites/allstores-lowload.yaml (2 workers: latency at
# low load), every cell repeated, then writes the recommendation and the
# reports. Run it on a quiet machine: the load average is recorded before
# and after, and every result cell records whether other processes
# starved storefit of CPU.
#
# Usage: docs/bench/allstores.sh [repetitions] [output directory]
#        (defaults: 5, results/allstores-<time>)
# Needs: make, Go, and what compose/native installs (Debian packages, a
# JDK 17 and Maven for the JVM servers; influx2 and timescale build their
# server once per machine, 5-15 min). Servers already running on the
# default ports are stopped first (storefit down), so every one starts
# cold, as a freshly deployed store would; the automatic warm-up is what
# brings it to its steady state.
set -uo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-5}
out=${2:-results/allstores-$(date -u +%Y-%m-%dT%H-%M-%S)}
servers="postgres timescale redis cassandra hbase neo4j opensearch elastic influx influx2 clickhouse"
mkdir -p "$out"
make build >/dev/null || exit 1
bin=bin/storefit

$bin down >/dev/null 2>&1 || true
trap '$bin down >/dev/null 2>&1 || true' EXIT
# shellcheck disable=SC2086 # one word per server
if ! up=$($bin up $servers); then
	echo "allstores: could not start the servers" >&2
	exit 1
fi
eval "$up"

load() { echo "$1: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/load.txt"; }
status=0
load "capacity start"
$bin run --suite suites/allstores.yaml --repeat "$reps" --out "$out/capacity.json" || status=$?
load "low load start"
$bin run --suite suites/allstores-lowload.yaml --repeat "$reps" --out "$out/lowload.json" || status=$?
load "end"

# The verdict rests on the capacity cells; the low-load cells are shown
# beside them, as contenders of their own ("latency at low load").
$bin pick "$out/capacity.json" >"$out/pick.txt"
$bin pick --slo none "$out/capacity.json" >"$out/pick-score.txt"
$bin report --format markdown -o "$out/report.md" "$out/capacity.json" "$out/lowload.json"
$bin report -o "$out/report.html" "$out/capacity.json" "$out/lowload.json"
# Against the previous all-stores run (2 workers, 1 s warm-up), when given.
if [[ -n ${BASELINE:-} ]]; then
	$bin compare "$BASELINE" "$out/lowload.json" >"$out/compare-lowload.txt" || true
fi
echo "results in $out (run exit status $status)"
exit "$status"
