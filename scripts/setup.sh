#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs to build and test Checkpoint Image Inspector:
# system packages (a real sshd, gcc, musl for the static helper, chromium for the editor tests),
# the npm dependencies, code-server (a real VS Code) and the build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  gcc libc6-dev make python3             # the C image generator and the native helper
  musl-tools                             # the static x86_64 helper shipped in the .vsix
  openssh-server openssh-client          # a real sshd for the restore tests
  iproute2 util-linux procps             # network namespaces, unshare, ps
  chromium ripgrep libkrb5-dev           # code-server and the browser that drives it
  clang libclang-rt-14-dev               # libFuzzer and the sanitizer runtimes for the helper's plan reader
)
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
