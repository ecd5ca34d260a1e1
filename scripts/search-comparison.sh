#!/usr/bin/env bash
# Runs configs/search-cifar.conf with each search method (random, gp, tpe) and 3 sweep seeds, then
# prints, per method and seed, the best validation accuracy after 10, 20 and 40 trials and the first
# trial at which gp and tpe reach random's best of 40 (from search-coarse.csv, by header).
# Usage: bash scripts/search-comparison.sh [OUT_DIR] [SLOTS]   (about 50 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
out=${1:-runs/search-comparison}
slots=${2:-2}
a3=${A3:-./a3}   # another build of a3 (e.g. A3="dotnet /path/a3.dll") while this clone changes
mkdir -p "$out"
for seed in 1 2 3; do
  for method in random gp tpe; do
    dir="$out/$method-seed$seed"
    [[ -f "$dir/search-coarse.csv" && -f "$dir/summary.json" ]] && grep -q '"complete": true' "$dir/summary.json" && continue
    conf="$out/$method-seed$seed.conf"
    sed -e "s/^  seed = 1$/  seed = $seed/" -e "s/^    method = gp$/    method = $method/" configs/search-cifar.conf > "$conf"
    if [[ -d "$dir" ]]; then $a3 sweep --resume "$dir" --slots "$slots" --progress none
    else $a3 sweep "$conf" --out "$dir" --slots "$slots" --progress none; fi
  done
done
python3 scripts/search-comparison.py "$out"
