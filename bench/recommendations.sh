#!/usr/bin/env bash
# What a recommendation costs by itself: one silo (memory storage) on the embedded dev Kafka with 16
# partitions takes 70 s of `encore generate` at 5 000 plays/s by 100 000 listeners (the load of
# ../shared/bench/latency.sh), the stream stops, and once the lag is 0, three 20-s runs of wrk (4
# connections) ask for 20 recommendations of random listeners. For each run: latency p50/p90/p99,
# requests/s and non-2xx answers; for the last, what the silo allocated per request and its GC pauses.
#
#   bench/recommendations.sh            from the repository root
#
# Needs jq and wrk (apt-get install jq wrk). The figures and what they showed are in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v jq >/dev/null && command -v wrk >/dev/null || { echo "needs jq and wrk: apt-get install -y jq wrk"; exit 1; }

source bench/silo.sh
need_dotnet_tools dotnet-counters
prepare_bench

start_kafka 16
start_silo 92

dotnet Client/bin/Release/net10.0/encore.dll generate --bootstrap "$bootstrap" --rate 5000 --users 100000 \
  --duration 70s --seed 8 --catalog "$catalog" >"$work/generate.log" 2>&1
lag() { curl -sf $api/api/stats | jq '[.partitions[].lag] | add'; }
for _ in $(seq 240); do [ "$(lag)" = 0 ] && break; sleep 0.5; done
[ "$(lag)" = 0 ] || { echo "the silo did not catch up with the stream: lag $(lag)"; exit 1; }

cat >"$work/recs.lua" <<'LUA'
math.randomseed(42)
request = function()
  return wrk.format("GET", "/api/users/user-" .. math.random(1, 100000) .. "/recommendations?count=20")
end
LUA

echo "recommendations benchmark $(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg)"
for run in 1 2 3; do
  if [ $run = 3 ]; then
    start_counters "$work/counters.csv"
  fi
  wrk -t2 -c4 -d20s --latency -s "$work/recs.lua" "$api" >"$work/wrk$run.txt" 2>&1
  echo "run $run: $(awk '$1=="50%"||$1=="90%"||$1=="99%"{printf "%s %s, ", $1, $2} /Requests\/sec/{printf "%s requests/s", $2} /Non-2xx/{printf ", non-2xx %s", $NF} END{print ""}' "$work/wrk$run.txt")"
done
stop_counters

python3 - "$work/counters.csv" "$work/wrk3.txt" <<'PY'
import re, sys
sys.path.insert(0, "bench")
from gc_totals import gc_totals
gc = gc_totals(sys.argv[1])
requests = int(re.search(r"(\d+) requests in", open(sys.argv[2]).read()).group(1))
print(f"run 3: {gc.allocated_bytes / requests / 1024:,.0f} KB allocated per request, "
      f"GC pauses {gc.pause_seconds:.2f} s, collections gen0/gen1/gen2 {gc.collections_text()}")
PY
