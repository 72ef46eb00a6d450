#!/usr/bin/env bash
# The all-stores verdict of docs/benchmarks.md ("Every store at its best"):
# runs suites/allstores.yaml (each store at its capacity: workers auto,
# warm-up until steady) and suites/allstores-lowload.yaml (2 workers:
# latency at low load), every cell repeated (--repeat), then writes the
# recommendation and the reports, and prints where they are. Run it on a
# quiet machine: the load average is recorded before, between and after,
# and every result cell records whether other processes starved storefit
# of CPU.
#
# Usage: docs/bench/allstores.sh [repetitions] [output directory]
#        (defaults: 5, results/allstores-<time>)
#
# How long: every store × workload the stores support is a cell (66 with
# all 15 stores), and every repetition of a cell loads, validates, warms
# up until steady, measures and verifies again; the first also ramps the
# workers. On a quiet 2-core machine a cell takes about 60-90 s in its
# first repetition (a JVM server's first cells up to 4 min, its warm-up
# capped at 3 min) and 35-50 s in each later one, so
#   docs/bench/allstores.sh 5                          about 8-9 h (both suites)
#   LOWREPS=3 DURATION=10s docs/bench/allstores.sh 3   about 4-5 h
#   LOWLOAD=0 DURATION=10s docs/bench/allstores.sh 3   about 2.5-3 h
# It needs no terminal: nohup docs/bench/allstores.sh 5 >allstores.log 2>&1 &
# keeps going after a logout; each run writes its result as it goes (an
# interrupted run keeps the cells it finished).
#
# Servers: a server store whose STOREFIT_<NAME>_DSN is set (e.g. after
# `source /work/srv/env.sh`, or an earlier `eval "$(storefit up …)"`) is
# used as it runs, after a check that it answers; every other one is
# started with `storefit up` (compose/native/NAME.sh, data under
# $STOREFIT_NATIVE_DIR) and stopped again at the end. FRESH=1 restarts
# those it starts itself from scratch first (cold, as a freshly deployed
# store; the automatic warm-up brings each to its steady state either way).
#
# Environment (all optional):
#   STORES="postgres redis sqlite"  only these stores (default: the suites')
#   WORKLOADS="point/a graph/mix"   only these workloads (default: the
#                                   suites'; the suites' copies filtered to
#                                   them are kept in the output directory)
#   DURATION=15s                    measured phase of every cell (default:
#                                   the suites', 15 s)
#   WARMUP_MAX=3m                   cap of the automatic warm-up (default:
#                                   the suites', 3 min)
#   SCALE=quick                     data scale (default: the suites', quick)
#   LOWLOAD=0                       skip the low-load suite
#   LOWREPS=3                       repetitions of the low-load suite
#                                   (default: as many as the capacity one)
#   FRESH=1                         stop and start again the servers this
#                                   script starts
#   BASELINE=old.json               also compare the low-load run with it
#
# Needs: make, Go, and for servers not running yet what compose/native
# installs (Debian packages, a JDK 17 and Maven for the JVM servers; influx2
# and timescale build their server once per machine, 5-15 min).
#
# Exit status: the worst of the two runs' (storefit run's codes: 3 a cell
# failed, 4 a validation failed, 5 a threshold was breached), 1 when the
# servers could not be started or storefit could not be built.
set -uo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-5}
out=${2:-results/allstores-$(date -u +%Y-%m-%dT%H-%M-%S)}
lowreps=${LOWREPS:-$reps}
for n in "$reps" "$lowreps"; do
	case $n in '' | *[!0-9]* | 0)
		echo "allstores: repetitions (and LOWREPS) must be numbers >= 1, not '$n'" >&2
		exit 2
		;;
	esac
done
mkdir -p "$out" || exit 1
make build >/dev/null || exit 1
bin=bin/storefit

# The stores: the suite's, or $STORES. A store with a compose/native script
# is a server.
read -r -a stores <<<"${STORES:-$(sed -n '/^stores:/,/^[a-z]/s/^  - //p' suites/allstores.yaml | tr '\n' ' ')}"
if ((${#stores[@]} == 0)); then
	echo "allstores: no store to run (STORES is empty and suites/allstores.yaml lists none)" >&2
	exit 2
fi
# The suites, filtered to $WORKLOADS when given (kept beside the results).
suite=suites/allstores.yaml lowsuite=suites/allstores-lowload.yaml
if [[ -n ${WORKLOADS:-} ]]; then
	for f in suite lowsuite; do
		awk -v keep=" ${WORKLOADS} " '
			/^[a-z]/ { inw = ($0 ~ /^workloads:/) }
			inw && /^  - / { w = $2; if (index(keep, " " w " ") == 0) next }
			{ print }' "${!f}" >"$out/$(basename "${!f}")" || exit 1
		if ! grep -q '^  - ' <(sed -n '/^workloads:/,$p' "$out/$(basename "${!f}")"); then
			echo "allstores: none of WORKLOADS=\"$WORKLOADS\" is in ${!f}" >&2
			exit 2
		fi
		printf -v "$f" '%s' "$out/$(basename "${!f}")"
	done
fi

running=() start=()
for s in "${stores[@]}"; do
	[[ -f compose/native/$s.sh ]] || continue
	var="STOREFIT_${s^^}_DSN"
	if [[ -n ${!var:-} && ${FRESH:-0} != 1 ]]; then
		running+=("$s")
	else
		start+=("$s")
	fi
done

# A server given by its DSN must listen: its host:port takes a TCP
# connection (each driver's Open pings it properly when its cells start).
listens() {
	local var="STOREFIT_${1^^}_DSN" hp
	[[ ${!var} == *://* ]] || return 0 # a key=value DSN: Open will tell
	hp=${!var#*://}
	hp=${hp#*@}
	hp=${hp%%[/?]*}
	[[ $hp == *:* ]] || return 0 # no port given: the driver's default; Open will tell
	timeout 5 bash -c "exec 3<>/dev/tcp/${hp%:*}/${hp##*:}" 2>/dev/null
}
for s in "${running[@]}"; do
	if ! listens "$s"; then
		echo "allstores: nothing listens at \$STOREFIT_${s^^}_DSN for $s: start it, or unset the variable to have this script start one" >&2
		exit 1
	fi
done
if ((${#start[@]} > 0)); then
	if [[ ${FRESH:-0} == 1 ]]; then
		$bin down "${start[@]}" >/dev/null 2>&1 || true
	fi
	trap '$bin down "${start[@]}" >/dev/null 2>&1 || true' EXIT
	echo "allstores: starting ${start[*]} (storefit up)"
	if ! up=$($bin up "${start[@]}"); then
		echo "allstores: could not start ${start[*]}; see the lines above (a port taken by another server? set its STOREFIT_<NAME>_DSN to use it)" >&2
		exit 1
	fi
	eval "$up"
fi
echo "allstores: ${#stores[@]} stores (${running[*]:+running: ${running[*]}; }${start[*]:+started: ${start[*]}; }embedded: the rest), $reps repetitions (low load: $lowreps), results in $out"

flags=(--progress lines)
for s in "${stores[@]}"; do flags+=(--store "$s"); done
[[ -n ${DURATION:-} ]] && flags+=(--duration "$DURATION")
[[ -n ${WARMUP_MAX:-} ]] && flags+=(--warmup-max "$WARMUP_MAX")
[[ -n ${SCALE:-} ]] && flags+=(--scale "$SCALE")

load() { echo "$1: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/load.txt"; }
status=0
worst() { # keeps the lowest non-zero exit status, as storefit run does
	if (($1 != 0 && (status == 0 || $1 < status))); then status=$1; fi
}
load "capacity start"
$bin run --suite "$suite" --repeat "$reps" "${flags[@]}" --out "$out/capacity.json" 2>&1 | tee "$out/capacity.log"
worst "${PIPESTATUS[0]}"
files=("$out/capacity.json")
if [[ ${LOWLOAD:-1} != 0 ]]; then
	load "low load start"
	$bin run --suite "$lowsuite" --repeat "$lowreps" "${flags[@]}" --out "$out/lowload.json" 2>&1 | tee "$out/lowload.log"
	worst "${PIPESTATUS[0]}"
	files+=("$out/lowload.json")
fi
load "end"

# The verdict rests on the capacity cells; the low-load cells are shown
# beside them, as contenders of their own ("latency at low load").
for f in "${files[@]}"; do
	[[ -f $f ]] || { echo "allstores: $f was not written; see its log" >&2 && exit 1; }
done
$bin pick "$out/capacity.json" >"$out/pick.txt" || echo "allstores: pick failed (see $out/pick.txt)" >&2
$bin pick --slo none "$out/capacity.json" >"$out/pick-score.txt" || echo "allstores: pick --slo none failed" >&2
$bin report --format markdown -o "$out/report.md" "${files[@]}" || echo "allstores: the markdown report failed" >&2
$bin report -o "$out/report.html" "${files[@]}" || echo "allstores: the HTML report failed" >&2
# Against an earlier all-stores run (e.g. the 2 workers, 1 s warm-up one).
if [[ -n ${BASELINE:-} && -f $out/lowload.json ]]; then
	$bin compare "$BASELINE" "$out/lowload.json" >"$out/compare-lowload.txt" || true
fi
cat <<EOF

allstores: done (run exit status $status). Results in $out:
  capacity.json, lowload.json   the result documents (every repetition)
  pick.txt, pick-score.txt      storefit pick, with and without the SLOs
  report.md, report.html        the side-by-side tables (workers next to every figure)
  capacity.log, lowload.log     the runs' progress and summary tables
  load.txt                      the load average before, between and after
EOF
exit "$status"
