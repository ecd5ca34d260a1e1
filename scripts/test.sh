#!/usr/bin/env bash
# Sets up and runs the whole test suite. The tests compare our GEMM kernels with OpenBLAS, so they
# need Debian's libopenblas0-pthread (a3 itself does not), and open sweep reports in Debian's
# headless chromium. It first checks every C# file is formatted by CSharpier.
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
require_packages libopenblas0-pthread chromium
# The code's format is CSharpier's (a local tool, width 120): a file it would change fails the run.
dotnet tool restore >&2
dotnet csharpier check .
# A failed test's name and message are repeated at the end, where a CI log's tail shows them.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test Assignment3.sln -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "=== what failed (repeated from above) ==="
  grep -E -A 20 "^\s+Failed |error (CS|MSB)[0-9]+" "$log" | head -n 300
fi
exit "$status"
