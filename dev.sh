#!/usr/bin/env bash
# The two commands of README.md:
#   ./dev.sh main   install medbill with every extra into .venv, then run the main job on the embedded default data
#   ./dev.sh test   install medbill with its test tools (and Chromium on Debian), build and install the
#                   wheel in fresh environments outside the checkout (one at the dependency floors),
#                   then run every test
set -euo pipefail
cd "$(dirname "$0")"

pick_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return
    fi
  done
  echo "medbill needs Python 3.11 or newer on PATH (or PYTHON=/path/to/python3.11)" >&2
  exit 1
}

quiet_pip() {  # $1: a python; quiet pip that drops the notices some machines' pip.conf prints per package
  local python=$1; shift
  "$python" -m pip -q --disable-pip-version-check "$@" 2> >(grep -v "^WARNING: Location '" >&2)
}

pip() { quiet_pip .venv/bin/python "$@"; }

lighten() {  # $1: a python. rfc3987-syntax (pulled in by jsonschema) adds ~1.3 s to every nbformat import.
  quiet_pip "$1" uninstall -y rfc3987-syntax >/dev/null 2>&1 || true
}

install() {  # $1: the pyproject extras to install
  [ -x .venv/bin/python ] || "$(pick_python)" -m venv .venv
  pip install --upgrade pip
  echo "installing medbill and its dependencies into .venv ..." >&2
  pip install -e ".[$1]"
  lighten .venv/bin/python
}

install_chromium() {  # Debian's Chromium for the real-browser tests; never a downloaded browser build
  [ -x /usr/bin/chromium ] && return
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: /usr/bin/chromium is absent; browser tests will skip (CI installs it)" >&2
  fi
}

package_environments() {  # the installed package as a user gets it; tests/test_install.py runs it
  local work dist wheel
  work=$(mktemp -d "${TMPDIR:-/tmp}/medbill-package.XXXXXX")
  dist="$work/dist"
  echo "building the sdist, and the wheel from it, into $dist ..." >&2
  if ! .venv/bin/python -m build --outdir "$dist" . >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2; exit 1
  fi
  rm -rf build ./*.egg-info
  wheel=$(ls "$dist"/medbill-*.whl)
  echo "installing the wheel with the reports extra into $work/wheel ..." >&2
  "$(pick_python)" -m venv "$work/wheel"
  quiet_pip "$work/wheel/bin/python" install "$wheel[reports]"
  lighten "$work/wheel/bin/python"
  echo "installing the core at its lowest allowed versions into $work/floors ..." >&2
  .venv/bin/python .ci/floors.py test > "$work/floors.txt"
  "$(pick_python)" -m venv "$work/floors"
  quiet_pip "$work/floors/bin/python" install -c "$work/floors.txt" "$wheel" pytest hypothesis pyx12 packaging
  export MEDBILL_PACKAGE_WORK="$work" MEDBILL_DIST="$dist"
  export MEDBILL_WHEEL_ENV="$work/wheel" MEDBILL_FLOORS_ENV="$work/floors"
}

case "${1:-}" in
  main)
    install all
    exec .venv/bin/medbill demo
    ;;
  test)
    install all,test
    install_chromium
    package_environments
    # pytest exits 5 when it collects no tests: that is a failure here, like any non-zero status.
    status=0
    .venv/bin/python -m pytest -n auto "${@:2}" || status=$?
    rm -rf "$MEDBILL_PACKAGE_WORK"
    exit "$status"
    ;;
  *)
    echo "usage: ./dev.sh main | ./dev.sh test [pytest args]" >&2
    exit 64
    ;;
esac
