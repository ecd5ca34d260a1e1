#!/usr/bin/env bash
# Makes a3 as one self-contained file per platform, OUT/<platform>/a3 (default OUT: dist/), that runs
# on a machine with no .NET installed: copy it and CIFAR-10 there and start `./a3 worker --seed ...`.
# Usage: scripts/publish.sh [--out OUT] [PLATFORM ...]   (default platforms: linux-x64 linux-arm64)
source "$(dirname "$0")/env.sh"
out="$REPO_ROOT/dist"
if [ "${1:-}" = "--out" ]; then
  [ -n "${2:-}" ] || { echo "publish.sh: --out needs a folder" >&2; exit 2; }
  out="$2"
  shift 2
fi
platforms=("$@")
[ ${#platforms[@]} -gt 0 ] || platforms=(linux-x64 linux-arm64)
for platform in "${platforms[@]}"; do
  # Native libraries (SQLite, Skia) go inside the file and are unpacked on first start under
  # $DOTNET_BUNDLE_EXTRACT_BASE_DIR (default ~/.net); compression halves the copy.
  dotnet publish "$REPO_ROOT/src/Assignment3.Cli" -c Release -r "$platform" --self-contained true -nologo -v quiet \
    -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:EnableCompressionInSingleFile=true \
    -p:DebugType=none -o "$out/$platform" >&2
  echo "$out/$platform/a3 ($(du -m "$out/$platform/a3" | cut -f1) MB)"
done
