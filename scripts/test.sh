#!/usr/bin/env bash
# Sets up and runs the whole test suite.
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
dotnet test Assignment3.sln -c Release --logger "console;verbosity=normal" "$@"
