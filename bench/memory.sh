#!/usr/bin/env bash
# Whether a silo's memory stays flat under a steady stream: one silo (memory storage) on the embedded
# dev Kafka with 16 partitions while `encore generate` produces RATE plays/s by USERS listeners over
# the Kaggle catalog for SECONDS. Every 15 s it prints the silo's resident memory, the plays processed
# and the lag; at the end, the growth over the last half of the run and the GC pause time.
#
#   bench/memory.sh [RATE] [USERS] [SECONDS]      defaults 5000 100000 600; from the repository root
#
# Needs jq (apt-get install jq). The figures and what they showed are in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-5000}
users=${2:-100000}
seconds=${3:-600}
command -v jq >/dev/null || { echo "needs jq: apt-get install -y jq"; exit 1; }

source bench/silo.sh
need_dotnet_tools dotnet-counters
prepare_bench

start_kafka 16
start_silo 91

setsid dotnet Client/bin/Release/net10.0/encore.dll generate --bootstrap "$bootstrap" --rate "$rate" --users "$users" \
  --duration "${seconds}s" --seed 8 --catalog "$catalog" >"$work/generate.log" 2>&1 &
pids+=($!)
generator=$!
start_counters "$work/counters.csv"

echo "memory benchmark $(date -u +%Y-%m-%d), $(nproc) cores, $rate plays/s by $users listeners for $seconds s"
echo "seconds resident_MB processed lag"
start=$SECONDS
while kill -0 "$generator" 2>/dev/null; do
  stats=$(curl -sf $api/api/stats || echo '{}')
  echo "$((SECONDS - start)) $(( $(ps -o rss= -p "$silo") / 1024 )) $(echo "$stats" | jq -r '"\(.eventsProcessed // 0) \([.partitions[]?.lag] | add // 0)"')" | tee -a "$work/samples"
  sleep 15
done
stop_counters

python3 - "$work/samples" "$work/counters.csv" <<'PY'
import sys
sys.path.insert(0, "bench")
from gc_totals import gc_totals
samples = [tuple(map(int, line.split())) for line in open(sys.argv[1]) if line.strip()]
half = [s for s in samples if s[0] >= samples[-1][0] / 2]
(t0, m0, *_), (t1, m1, *_) = half[0], half[-1]
pauses = gc_totals(sys.argv[2]).pause_seconds
print(f"resident {samples[0][1]:,} MB at the start, {m0:,} MB at {t0} s, {m1:,} MB at {t1} s: "
      f"{(m1 - m0) / max(1, t1 - t0) * 60:,.0f} MB a minute over the second half; "
      f"{samples[-1][2]:,} plays processed, lag {samples[-1][3]:,}; GC pauses {pauses:.1f} s in {samples[-1][0]} s")
PY
