# Shared steps of scripts/test, scripts/demo and .ci/run. Source it; do not run it.
# Environment:
#   PHYSR_BUILD_DIR  build directory (default: <repo>/build)
#   PHYSR_WERROR=1   configure with -DPHYSR_WERROR=ON (warnings are errors)
#   PHYSR_JOBS       parallel build jobs (default: nproc)

PHYSR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PHYSR_BUILD_DIR="${PHYSR_BUILD_DIR:-$PHYSR_ROOT/build}"
PHYSR_JOBS="${PHYSR_JOBS:-$(nproc 2>/dev/null || echo 2)}"
PHYSR_PACKAGES=(cmake g++ libeigen3-dev libboost-dev libtbb-dev libcli11-dev doctest-dev
  nlohmann-json3-dev libsleef-dev)

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

# Configures PHYSR_BUILD_DIR (Release unless CMAKE_BUILD_TYPE is set). Arguments go to cmake.
physr_configure() {
  local werror=OFF
  if [[ "${PHYSR_WERROR:-0}" == 1 ]]; then werror=ON; fi
  physr_log "configuring $PHYSR_BUILD_DIR (${CMAKE_BUILD_TYPE:-Release}, PHYSR_WERROR=$werror)"
  cmake -S "$PHYSR_ROOT" -B "$PHYSR_BUILD_DIR" \
    -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" -DPHYSR_WERROR="$werror" "$@"
}

# Configures and builds everything in PHYSR_BUILD_DIR. Extra arguments go to the configure step.
physr_build() {
  physr_configure "$@"
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

# Installs OpenMPI (Debian's libopenmpi-dev and openmpi-bin), so that the build has PHYSR_MPI
# (physr fit across MPI ranks) and its test, tests/cli/mpi_test.sh. scripts/test (hence CI)
# uses it; scripts/demo does not, the tool needing no MPI.
physr_ensure_mpi_packages() {
  local PHYSR_PACKAGES=(libopenmpi-dev openmpi-bin)
  physr_ensure_packages
}

# Installs mpi4py (PyPI) into PHYSR_VENV, so that bench/tests runs the benchmark runners under
# mpirun (bench/physr_bench/pool.py); only warns when it cannot, the test being skipped then.
physr_ensure_mpi4py() {
  "$PHYSR_VENV/bin/python" -c 'import mpi4py' >/dev/null 2>&1 && return 0
  physr_log "installing mpi4py into $PHYSR_VENV"
  "$PHYSR_VENV/bin/python" -m pip install -q mpi4py ||
    physr_log "warning: mpi4py not installed; bench/tests skips its mpirun test"
}

# Installs clang-format (Debian's clang-format, version 14 on bookworm) for scripts/check-format;
# does nothing when it is on PATH.
physr_ensure_format_packages() {
  command -v clang-format >/dev/null 2>&1 && return 0
  local PHYSR_PACKAGES=(clang-format)
  physr_ensure_packages
}

# Installs clang-tidy (Debian's clang-tidy, with run-clang-tidy) for scripts/lint; does
# nothing when it is on PATH.
physr_ensure_tidy_packages() {
  command -v clang-tidy >/dev/null 2>&1 && return 0
  local PHYSR_PACKAGES=(clang-tidy)
  physr_ensure_packages
}

# C and C++ sources of the repository under the given folders (relative to PHYSR_ROOT), one
# per line, relative paths: tracked files and new ones git does not ignore (every file when
# this is not a git checkout).
physr_cxx_files() {
  local pattern='\.(c|cc|cpp|cxx|h|hh|hpp|hxx|inl)$'
  if git -C "$PHYSR_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$PHYSR_ROOT" ls-files --cached --others --exclude-standard -- "$@" |
      grep -E "$pattern" | sort -u |
      while IFS= read -r file; do
        if [[ -f "$PHYSR_ROOT/$file" ]]; then printf '%s\n' "$file"; fi
      done
  else
    (cd "$PHYSR_ROOT" && find "$@" -type f | grep -E "$pattern" | sort)
  fi
}

# ---- Python package ---------------------------------------------------------------------
# PHYSR_VENV         virtual environment for the Python package and its tests
#                    (default: $PHYSR_BUILD_DIR/venv)
# PHYSR_BASE_PYTHON  interpreter the environment is made from (default: python3; not
#                    PHYSR_PYTHON, which names the interpreter `physr report` runs)
PHYSR_VENV="${PHYSR_VENV:-$PHYSR_BUILD_DIR/venv}"
PHYSR_BASE_PYTHON="${PHYSR_BASE_PYTHON:-python3}"
# pybind11-stubgen writes python/physr/_core.pyi (scripts/check-stubs) from the signatures
# pybind11 gives the bindings: both pinned here, so that the committed stub does not change
# with their releases.
PHYSR_STUBGEN_VERSION=2.5.5
PHYSR_PYBIND11_VERSION=3.1.0

# Makes sure PHYSR_BASE_PYTHON can create virtual environments and build extensions (venv,
# ensurepip and Python.h); installs Debian's python3, python3-venv and python3-dev if not.
physr_ensure_python() {
  if command -v "$PHYSR_BASE_PYTHON" >/dev/null 2>&1 && "$PHYSR_BASE_PYTHON" - <<'PY' >/dev/null 2>&1
import ensurepip, os, sysconfig, venv
assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))
PY
  then
    return 0
  fi
  local PHYSR_PACKAGES=(python3 python3-venv python3-dev python3-pip)
  physr_ensure_packages
  PHYSR_BASE_PYTHON=python3
  if ! "$PHYSR_BASE_PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    # Debian names the venv package after the minor version (python3.11-venv).
    local minor
    minor="$("$PHYSR_BASE_PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    PHYSR_PACKAGES=("python$minor-venv")
    physr_ensure_packages
  fi
}

# Creates the virtual environment PHYSR_VENV if it does not exist yet.
physr_ensure_venv() {
  physr_ensure_python
  if [[ ! -x "$PHYSR_VENV/bin/python" ]]; then
    physr_log "creating the virtual environment $PHYSR_VENV"
    "$PHYSR_BASE_PYTHON" -m venv "$PHYSR_VENV"
  fi
}

# Installs lizard (function length and complexity, from PyPI) into PHYSR_VENV for
# scripts/check-length; does nothing when it is there.
physr_ensure_lizard() {
  physr_ensure_venv
  "$PHYSR_VENV/bin/python" -c 'import lizard' >/dev/null 2>&1 && return 0
  physr_log "installing lizard into $PHYSR_VENV"
  "$PHYSR_VENV/bin/python" -m pip install -q "lizard>=1.17"
}

# Creates PHYSR_VENV if needed and installs the physr package into it, built by
# scikit-build-core in $PHYSR_BUILD_DIR/skbuild (kept between runs, so a rebuild is
# incremental), with the test extras from PyPI (astropy and pint among them, for the tests of
# columns with units) and pybind11-stubgen. Fails on any error.
physr_python_install() {
  physr_ensure_venv
  local py="$PHYSR_VENV/bin/python" werror=OFF
  if [[ "${PHYSR_WERROR:-0}" == 1 ]]; then werror=ON; fi
  physr_log "installing the build tools into $PHYSR_VENV"
  "$py" -m pip install -q "scikit-build-core>=0.10" "pybind11==$PHYSR_PYBIND11_VERSION" \
    "pybind11-stubgen==$PHYSR_STUBGEN_VERSION"
  physr_log "building and installing the physr Python package with its test extras"
  # No build isolation: the build tools' paths stay the same, so the build directory is reused.
  CMAKE_BUILD_PARALLEL_LEVEL="$PHYSR_JOBS" "$py" -m pip install -q --no-build-isolation \
    -C build-dir="$PHYSR_BUILD_DIR/skbuild/{wheel_tag}" \
    -C cmake.define.PHYSR_WERROR="$werror" \
    "$PHYSR_ROOT[test]"
}
