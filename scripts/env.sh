# Sourced by the scripts: installs what the project needs on a fresh Debian machine and
# points A3_DATA at the shared CIFAR-10 copy when it sits beside the clone.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (dotnet not found on PATH)." >&2
  exit 1
fi

# OpenBLAS for GEMM (a3 falls back to a managed GEMM without it, 15-20 times slower).
if ! PATH="$PATH:/sbin:/usr/sbin" ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so\.0'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's libopenblas0-pthread ..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas0-pthread >&2
  else
    echo "warning: libopenblas0-pthread is missing and installing it needs root (apt-get install libopenblas0-pthread); a3 will use the slower managed GEMM" >&2
  fi
fi

if [ -z "${A3_DATA:-}" ] && [ -d "$REPO_ROOT/../shared/data/cifar-10-batches-bin" ]; then
  A3_DATA="$(cd "$REPO_ROOT/../shared/data/cifar-10-batches-bin" && pwd)"
  export A3_DATA
fi
