#!/usr/bin/env bash
# Quick start, part one: installs what CertPilot needs on Debian 12 (as root), installs the npm
# dependencies, builds, and runs the demo. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(pebble nginx-light openssh-server openssl ca-certificates)
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
  # The packages would start nginx and sshd on ports 80 and 22; the demo runs private instances.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.certpilot
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  rm -f /usr/sbin/policy-rc.d.certpilot
fi

npm ci
npm run build
npm run demo
