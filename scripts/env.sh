# Sourced by the scripts: installs what the project needs on a fresh Debian machine and
# points A3_DATA at the shared CIFAR-10 copy when it sits beside the clone.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (dotnet not found on PATH)." >&2
  exit 1
fi

if [ -z "${A3_DATA:-}" ] && [ -d "$REPO_ROOT/../shared/data/cifar-10-batches-bin" ]; then
  A3_DATA="$(cd "$REPO_ROOT/../shared/data/cifar-10-batches-bin" && pwd)"
  export A3_DATA
fi
