#!/usr/bin/env bash
# Runs the search comparisons of the README on the shared CIFAR-10, then summarizes them:
#  1. configs/search-cifar.conf with each method (random, gp, tpe), 3 sweep seeds: best validation
#     accuracy after 10, 20 and 40 trials, and when gp and tpe reach random's best of 40;
#  2. configs/search-bohb.conf with gp (BOHB) and random (successive halving over random samples),
#     3 sweep seeds: trial-cycles each needs to reach the other's best full-budget accuracy.
# Finished sweeps are skipped and interrupted ones resumed, so it can be run again after a stop.
# Usage: bash scripts/search-comparison.sh [OUT_DIR] [SLOTS] [search|bohb|all]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
out=${1:-runs/search-comparison}
slots=${2:-2}
which=${3:-all}
a3=${A3:-./a3}   # another build of a3 (e.g. A3=/path/a3) while this clone changes
mkdir -p "$out"

run() { # config method seed name [lag]
  local dir="$out/$4-seed$3" conf="$out/$4-seed$3.conf" lag=${5:-}
  if [[ -f "$dir/summary.json" ]] && grep -q '"complete": true' "$dir/summary.json"; then return 0; fi
  sed -e "s/^  seed = 1$/  seed = $3/" -e "s/^    method = gp$/    method = $2/" "$1" > "$conf"
  if [[ -n $lag ]]; then sed -i "s/^    lag = .*$/    lag = $lag/" "$conf"; fi
  if [[ -d "$dir" ]]; then $a3 sweep --resume "$dir" --slots "$slots" --progress none
  else $a3 sweep "$conf" --out "$dir" --slots "$slots" --progress none; fi
}

for seed in 1 2 3; do
  if [[ $which != bohb ]]; then for method in random gp tpe; do run configs/search-cifar.conf "$method" "$seed" "$method"; done; fi
  if [[ $which != search ]]; then
    # Random proposals and their brackets do not depend on the lag: lag 1 only lets brackets overlap.
    run configs/search-bohb.conf random "$seed" sh-random 1
    run configs/search-bohb.conf gp "$seed" bohb
  fi
done
python3 scripts/search-comparison.py "$out" "$which"
