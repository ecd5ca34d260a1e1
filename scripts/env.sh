# Sourced by the scripts: checks the .NET SDK and points A3_DATA at the shared CIFAR-10 copy when it
# sits beside the clone. a3 needs no native package: its GEMM kernels are its own.
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

# Installs Debian packages that are missing (as root); says what to install otherwise.
require_packages() {
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages: ${missing[*]} ..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "Missing Debian packages: ${missing[*]} (install them as root: apt-get install ${missing[*]})" >&2
    exit 1
  fi
}
