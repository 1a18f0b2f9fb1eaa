#!/usr/bin/env bash
# The two commands of README.md:
#   ./dev.sh main   install medbill into .venv, then run the main job on the embedded default data
#   ./dev.sh test   install medbill with its test tools (and Chromium on Debian), then run every test
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

pip() {  # quiet pip; drops the notices some machines' pip.conf prints for every package
  .venv/bin/python -m pip -q --disable-pip-version-check "$@" 2> >(grep -v "^WARNING: Location '" >&2)
}

install() {  # $1: the pyproject extras to install
  [ -x .venv/bin/python ] || "$(pick_python)" -m venv .venv
  pip install --upgrade pip
  echo "installing medbill and its dependencies into .venv ..." >&2
  pip install -e ".[$1]"
  # rfc3987-syntax (pulled in by jsonschema) adds ~1.3 s to every nbformat import; nothing here needs it.
  pip uninstall -y rfc3987-syntax >/dev/null 2>&1 || true
}

install_chromium() {  # Debian's Chromium for the real-browser tests; never a downloaded browser build
  [ -x /usr/bin/chromium ] && return
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: /usr/bin/chromium is absent; browser tests will skip (CI installs it)" >&2
  fi
}

case "${1:-}" in
  main)
    install app
    exec .venv/bin/medbill demo
    ;;
  test)
    install test
    install_chromium
    # pytest exits 5 when it collects no tests: that is a failure here, like any non-zero status.
    exec .venv/bin/python -m pytest -n auto "${@:2}"
    ;;
  *)
    echo "usage: ./dev.sh main | ./dev.sh test [pytest args]" >&2
    exit 64
    ;;
esac
