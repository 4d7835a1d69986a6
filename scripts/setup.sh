#!/usr/bin/env bash
# Quick start, part one: installs what CertPilot needs on Debian 12 (as root), installs the npm
# dependencies, builds, and runs the demo. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# The demo needs pebble, nginx-light and openssl. `npm test` also starts a private PostgreSQL
# cluster for the relay's storage tests. It drives the web console in Chromium, with a CJK font
# so that Chinese text renders.
PACKAGES=(pebble nginx-light openssl ca-certificates postgresql chromium fonts-noto-cjk)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "Missing Debian packages: ${missing[*]}. Run this script as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  apt-get update
  # The nginx and postgresql packages would start system services, but the demo and the tests
  # run private instances instead.
  # Debian runs /usr/sbin/policy-rc.d before starting a service. Exit status 101 means "do not".
  created_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" || status=$?
  if ((created_policy)); then rm -f /usr/sbin/policy-rc.d; fi
  if ((${status:-0} != 0)); then exit "$status"; fi
fi

npm ci
npm run build
npm run demo
