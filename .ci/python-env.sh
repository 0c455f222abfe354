#!/usr/bin/env bash
# Creates .venv-ci/ in the repository root with the independent Starknet implementation that the live
# cross-check (Tests/StarknetKitTests/LiveStarknetPyCrossCheckTests.swift) and `bitsage-proof bench --starknet
# --compare-python` compare against: starknet-py 0.30.0 (crypto-cpp-py, poseidon-py) and eth-keyfile 0.10.0,
# with every transitive package pinned in .ci/python-requirements.txt.
#
# Idempotent: when the venv already holds exactly those pins for this interpreter and imports them, it does
# nothing. It prints every step it takes. Works as root on a fresh Debian 12 machine: it installs python3-venv
# when the venv module is missing and, only if pip has to compile a package because PyPI has no wheel for this
# platform, a compiler, CMake and the Python headers (on this project's machines every package is a wheel).
#
# Usage: .ci/python-env.sh        then   export BITSAGE_PYTHON="$PWD/.venv-ci/bin/python"
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-ci
requirements=.ci/python-requirements.txt
stamp="$venv/.bitsage-requirements"
imports='import starknet_py.hash.utils, starknet_py.hash.transaction, poseidon_py.poseidon_hash, eth_keyfile'

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  echo "python-env: $python not found (Debian: apt-get install python3 python3-venv)" >&2
  exit 1
fi

# What the venv should hold: this interpreter's version and the pinned list. Any change rebuilds the venv from
# scratch rather than upgrading in place, so a stale package can never survive.
wanted=$( { "$python" -c 'import sys; print(sys.version.split()[0])'; cat "$requirements"; } )

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && "$venv/bin/python" -c "$imports" 2>/dev/null; then
  echo "python-env: $venv is up to date ($("$venv/bin/python" --version)," \
       "$(grep -E '^(starknet-py|eth-keyfile)==' "$requirements" | paste -sd ' ')); nothing to do"
  exit 0
fi

apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "python-env: need the Debian packages $* but cannot install them (not root, or no apt-get)" >&2
    return 1
  fi
  echo "python-env: apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Debian's python3 has no venv module (nor ensurepip) until python3-venv is installed.
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  apt_install python3-venv
fi

echo "python-env: creating $venv with $("$python" --version)"
rm -rf "$venv"
"$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input)

# --no-deps: the list is complete, and resolving it would fail on a known, harmless pin conflict (see the
# comment at the top of $requirements).
install() { "${pip[@]}" install --quiet --no-deps -r "$requirements"; }
echo "python-env: pip install --no-deps -r $requirements ($(grep -c '^[a-zA-Z].*==' "$requirements") pinned packages)"
if ! install; then
  # Only where PyPI has no wheel for this platform or Python: crypto-cpp-py and poseidon-py then build their
  # C/C++ cores with CMake, and cytoolz and the aiohttp family need a C compiler and the Python headers.
  echo "python-env: building a package from source failed; installing build tools and retrying"
  apt_install build-essential cmake python3-dev
  install
fi

# pip check reports starknet-py's eth-keys pin, which the list overrides on purpose; anything else is an error.
unexpected=$("${pip[@]}" check 2>&1 | grep -v -e '^starknet-py 0.30.0 has requirement eth-keys==0.7.0' || true)
if [ -n "$unexpected" ]; then
  echo "python-env: pip check found unexpected problems:" >&2
  echo "$unexpected" >&2
  exit 1
fi

"$venv/bin/python" -c "$imports"
printf '%s\n' "$wanted" > "$stamp"
echo "python-env: ready: $("$venv/bin/python" --version), $("${pip[@]}" list --format=freeze 2>/dev/null \
  | grep -Ei '^(starknet[-_]py|crypto[-_]cpp[-_]py|poseidon[-_]py|eth[-_]keyfile|eth[-_]keys)==' | paste -sd ' ')"
