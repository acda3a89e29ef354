#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs to build and test Checkpoint Image Inspector:
# system packages (a real sshd, gcc, musl for the static helper, chromium for the editor tests),
# the npm dependencies, code-server (a real VS Code) and the build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# The package list lives in scripts/apt-packages.txt, which scripts/check-setup.mjs reads too.
read -r -a APT_PACKAGES <<< "$(sed -e 's/#.*//' scripts/apt-packages.txt | tr -s ' \t\n' ' ')"
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
if [ -f scripts/install-code-server.sh ]; then bash scripts/install-code-server.sh; fi
npm run build
