# Shared steps of scripts/test, scripts/demo and .ci/run. Source it; do not run it.
# Environment:
#   PHYSR_BUILD_DIR  build directory (default: <repo>/build)
#   PHYSR_WERROR=1   configure with -DPHYSR_WERROR=ON (warnings are errors)
#   PHYSR_JOBS       parallel build jobs (default: nproc)

PHYSR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PHYSR_BUILD_DIR="${PHYSR_BUILD_DIR:-$PHYSR_ROOT/build}"
PHYSR_JOBS="${PHYSR_JOBS:-$(nproc 2>/dev/null || echo 2)}"
PHYSR_PACKAGES=(cmake g++ libeigen3-dev libboost-dev libtbb-dev libcli11-dev doctest-dev)

physr_log() { printf '==> %s\n' "$*" >&2; }

# Installs the packages of PHYSR_PACKAGES that are missing (Debian/Ubuntu); does nothing
# when all are present.
physr_ensure_packages() {
  local missing=() pkg
  if ! command -v dpkg >/dev/null 2>&1; then
    physr_log "dpkg not found: make sure these are installed: ${PHYSR_PACKAGES[*]}"
    return 0
  fi
  for pkg in "${PHYSR_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  physr_log "installing missing packages: ${missing[*]}"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      physr_log "not root and no sudo: install these packages first: ${missing[*]}"
      return 1
    fi
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends "${missing[@]}"
}

# Configures (Release unless CMAKE_BUILD_TYPE is set) and builds everything in
# PHYSR_BUILD_DIR. Extra arguments go to the configure step.
physr_build() {
  local werror=OFF
  if [[ "${PHYSR_WERROR:-0}" == 1 ]]; then werror=ON; fi
  physr_log "configuring $PHYSR_BUILD_DIR (${CMAKE_BUILD_TYPE:-Release}, PHYSR_WERROR=$werror)"
  cmake -S "$PHYSR_ROOT" -B "$PHYSR_BUILD_DIR" \
    -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" -DPHYSR_WERROR="$werror" "$@"
  physr_log "building with $PHYSR_JOBS jobs"
  cmake --build "$PHYSR_BUILD_DIR" -j "$PHYSR_JOBS"
}

# Installs clang and its libFuzzer/sanitizer runtimes (Debian bookworm: clang-14 and
# libclang-rt-14-dev) for the fuzz step of .ci/run; does nothing when clang++ can already
# link a libFuzzer program.
physr_ensure_fuzz_packages() {
  if command -v clang++ >/dev/null 2>&1 &&
    echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
    clang++ -x c++ -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then
    return 0
  fi
  local PHYSR_PACKAGES=(clang libclang-rt-14-dev)
  physr_ensure_packages
}
