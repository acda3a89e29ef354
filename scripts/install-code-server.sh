#!/usr/bin/env bash
# Install code-server 4.100.3 (VS Code 1.100.3 server + web workbench) from npm into .tools/, the
# real VS Code the integration tests and the editor bench run in. Follows the recipe in
# shared/notes/testing-with-real-parts.md (e): its own postinstall fails offline, so the native
# modules are rebuilt by hand and ripgrep comes from Debian. Idempotent: a finished install is
# recorded in .tools/code-server.ok and reused (CI can cache .tools/).
#   usage: scripts/install-code-server.sh [--no-apt]
set -euo pipefail
VERSION=4.100.3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
DIR="$TOOLS/code-server"
STAMP="$TOOLS/code-server.ok"
CS="$DIR/node_modules/code-server"

apt_deps() {
  local missing=()
  dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
  command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "install-code-server: apt-get install ${missing[*]}"
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get install -y libkrb5-dev ripgrep chromium || { $SUDO apt-get update && $SUDO apt-get install -y libkrb5-dev ripgrep chromium; }
  fi
}

if [ "${1:-}" != "--no-apt" ]; then apt_deps; fi

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$VERSION" ] && [ -x "$CS/out/node/entry.js" -o -f "$CS/out/node/entry.js" ]; then
  echo "install-code-server: code-server $VERSION already in $DIR"
  exit 0
fi

rm -f "$STAMP"
mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{"name":"ckpt-tools","private":true}' > package.json
npm install --no-save --ignore-scripts --no-audit --no-fund code-server@$VERSION
npm rebuild argon2
cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts --no-audit --no-fund
mkdir -p node_modules/@vscode/ripgrep/bin && cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
npm_config_yes=true npm rebuild kerberos @parcel/watcher @vscode/deviceid @vscode/spdlog native-watchdog node-pty
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev --no-audit --no-fund)
cd "$DIR"
"$CS/out/node/entry.js" --version 2>/dev/null || node "$CS/out/node/entry.js" --version
echo "$VERSION" > "$STAMP"
echo "install-code-server: done ($DIR)"
