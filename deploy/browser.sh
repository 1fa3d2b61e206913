#!/usr/bin/env bash
# Installs the browser the dashboard's browser tests drive: Debian's chromium (Playwright's own browser download
# is not reachable from these machines). Idempotent; as root it installs with apt, otherwise it says what to do.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "browser: installing chromium from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "browser: chromium not found. Install it: sudo apt-get install chromium" >&2
  exit 1
fi
