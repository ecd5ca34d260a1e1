#!/usr/bin/env bash
# Sets up and runs the main job: the report's experiments i) to v) on CIFAR-10, each into its
# own folder under runs/ (gradient check, 3-layer and 9-layer networks with and without batch
# norm, the lambda search as a sweep on this machine's cores, initialization sensitivity).
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
stamp="$(date +%Y%m%d-%H%M%S)"
./a3 gradcheck
./a3 train --config configs/three-layer.conf --out "runs/three-layer-$stamp"
./a3 train --config configs/nine-layer.conf --out "runs/nine-layer-$stamp"
./a3 sweep configs/lambda-coarse.conf --out "runs/lambda-coarse-$stamp"
./a3 train --config configs/init-sensitivity.conf --out "runs/init-sensitivity-$stamp"
echo "Done: results under runs/*-$stamp; the lambda search's report: runs/lambda-coarse-$stamp/report.html"
