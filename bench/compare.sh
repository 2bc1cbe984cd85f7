#!/usr/bin/env bash
# Compares this checkout with another revision by alternating runs of bench/pipeline.sh, so that a
# machine whose speed drifts during a session hits both builds alike. On a shared 2-core machine two
# runs of one build an hour apart can differ by a third; figures taken at different times say little.
#
#   bench/compare.sh REV [PAIRS]     from the repository root; REV is any git revision (HEAD~2, a tag,
#                                    a commit); PAIRS, 2 by default, pairs of runs, the other build first
#
# Both builds are measured by this checkout's pipeline.sh (copied into a temporary worktree of REV), so
# that only the code differs. Needs what pipeline.sh needs; set CATALOG if the catalog is not at
# ../shared/data/spotify_tracks.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rev=${1:?usage: bench/compare.sh REV [PAIRS]}
pairs=${2:-2}
export CATALOG=${CATALOG:-$root/../shared/data/spotify_tracks.csv}
[ -f "$CATALOG" ] || { echo "no catalog at $CATALOG; set CATALOG to the Kaggle Spotify Tracks CSV"; exit 1; }

other=$(mktemp -d -t encore-compare.XXXXXX)
trap 'git -C "$root" worktree remove --force "$other" >/dev/null 2>&1 || rm -rf "$other"' EXIT
git worktree add --detach -q "$other" "$rev"
cp bench/pipeline.sh bench/silo.sh bench/gc_totals.py "$other/bench/"

echo "compare $(git rev-parse --short "$rev") (other) with $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo '+changes') (this), $pairs pairs"
for pair in $(seq "$pairs"); do
  for side in other this; do
    dir=$([ "$side" = other ] && echo "$other" || echo "$root")
    bash "$dir/bench/pipeline.sh" | grep -E '^(cold|warm):' | sed "s/^/pair $pair $side /"
  done
done
