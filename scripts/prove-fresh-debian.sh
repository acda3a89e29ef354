#!/usr/bin/env bash
# A one-off proof, not part of CI (it downloads a Debian system): a clean Debian 12 root made by
# debootstrap --variant=minbase (the required packages and nothing else), given this machine's Node.js
# (bind-mounted: the one prerequisite), in which scripts/setup.sh runs as a user would run it, then
# the set-up check, the release build, the libFuzzer build and run of scripts/fuzz-helper.sh (what
# failed on a fresh machine in issue 10), and the given unit tests.
#   usage (as root): scripts/prove-fresh-debian.sh [--no-code-server] [DIR] [-- TEST_FILE...]
#   DIR defaults to /tmp/ckpt-fresh-debian and is reused when it holds a system already.
#   --no-code-server leaves out scripts/install-code-server.sh (minutes of native module builds).
set -euo pipefail
PROJECT=$(cd "$(dirname "$0")/.." && pwd)
NO_CS=0
if [ "${1:-}" = "--no-code-server" ]; then NO_CS=1; shift; fi
DIR=/tmp/ckpt-fresh-debian
if [ $# -gt 0 ] && [ "$1" != "--" ]; then DIR=$1; shift; fi
if [ "${1:-}" = "--" ]; then shift; fi
TESTS=("$@")
MIRROR=${MIRROR:-http://deb.debian.org/debian}
command -v debootstrap >/dev/null || { echo "prove-fresh-debian: apt-get install debootstrap" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "prove-fresh-debian: run as root (debootstrap, chroot, mounts)" >&2; exit 2; }

if [ ! -x "$DIR/usr/bin/apt-get" ]; then debootstrap --variant=minbase bookworm "$DIR" "$MIRROR"; fi

# The project as committed plus work in progress: every tracked file, from the working tree.
rm -rf "$DIR/src/ckpt" && mkdir -p "$DIR/src/ckpt"
(cd "$PROJECT" && git ls-files -z | tar --null -T - -cf -) | tar -C "$DIR/src/ckpt" -xf -
if [ "$NO_CS" = 1 ]; then rm "$DIR/src/ckpt/scripts/install-code-server.sh"; fi

# A TLS-inspecting proxy's certificate, when this machine needs one to reach the npm registry.
EXTRA_CA=""
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  cp "$NODE_EXTRA_CA_CERTS" "$DIR/etc/host-extra-ca.crt"
  EXTRA_CA=NODE_EXTRA_CA_CERTS=/etc/host-extra-ca.crt
fi
cp /etc/resolv.conf "$DIR/etc/resolv.conf"
NODE=$(readlink -f "$(command -v node)")
NPM=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
# Node's headers, for node-gyp (npm's nodedir), when this Node has them and npm is told to use them
# (otherwise node-gyp downloads them from nodejs.org).
NODE_INC=$(dirname "$(dirname "$NODE")")/include/node
NODEDIR=""
if [ -d "$NODE_INC" ] && [ "$(npm config get nodedir 2>/dev/null)" = "$(dirname "$(dirname "$NODE")")" ]; then
  NODEDIR=npm_config_nodedir=/usr
  mkdir -p "$DIR/usr/include/node"
fi
touch "$DIR/usr/bin/node" && mkdir -p "$DIR/usr/lib/node_modules/npm" "$DIR/.oldroot"
ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$DIR/usr/bin/npm"
ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$DIR/usr/bin/npx"

# A private mount namespace (its mounts go away with it) whose root is the new system: pivot_root,
# not chroot, so that the tests' own namespaces (a private devpts, a user namespace) work inside.
unshare --mount --propagation private /usr/bin/env DIR="$DIR" NODE="$NODE" NPM="$NPM" NODE_INC="$NODE_INC" NODEDIR="$NODEDIR" bash -euo pipefail -c '
  mount --bind "$DIR" "$DIR"
  mount -t proc proc "$DIR/proc"
  mount --rbind /sys "$DIR/sys"
  mount --rbind /dev "$DIR/dev"
  mount -t tmpfs tmpfs "$DIR/run"
  mount -t tmpfs tmpfs "$DIR/tmp"
  mount --bind "$NODE" "$DIR/usr/bin/node" && mount -o remount,bind,ro "$DIR/usr/bin/node"
  mount --bind "$NPM" "$DIR/usr/lib/node_modules/npm" && mount -o remount,bind,ro "$DIR/usr/lib/node_modules/npm"
  if [ -n "$NODEDIR" ]; then mount --bind "$NODE_INC" "$DIR/usr/include/node" && mount -o remount,bind,ro "$DIR/usr/include/node"; fi
  cd "$DIR" && pivot_root . .oldroot && umount -l /.oldroot
  echo "prove-fresh-debian: $(dpkg-query -W -f=".\n" | wc -l) packages before setup.sh, Node $(node --version)"
  exec "$@"
' prove /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb $EXTRA_CA $NODEDIR \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  bash -euo pipefail -c '
    cd /src/ckpt
    step() { echo; echo "== $*"; "$@"; }
    step apt-get update -qq
    step bash scripts/setup.sh
    echo "== $(dpkg-query -W -f=".\n" | wc -l) packages after setup.sh"
    step node scripts/check-setup.mjs
    step node scripts/build.mjs --release
    step sh scripts/fuzz-helper.sh 10
    if [ $# -gt 0 ]; then step node --import tsx --test --test-concurrency=1 "$@"; fi
  ' prove "${TESTS[@]}"
echo "prove-fresh-debian: passed"
