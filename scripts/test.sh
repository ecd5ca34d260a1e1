#!/usr/bin/env bash
# Sets up and runs the whole test suite. The tests compare our GEMM kernels with OpenBLAS, so they
# need Debian's libopenblas0-pthread (a3 itself does not), and open sweep reports in Debian's
# headless chromium.
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
require_packages libopenblas0-pthread chromium
dotnet test Assignment3.sln -c Release --logger "console;verbosity=normal" "$@"
