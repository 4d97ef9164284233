#!/usr/bin/env bash
# CI (as root): the Docker engine, the base images and surfhive's image, for the stack test
# (test/deploy/stack-engine.test.ts). Idempotent: installed packages, a running engine and
# present images are left alone, and the image build is a cache hit when nothing changed.
# Never fails CI by itself: where dockerd cannot start, the stack test says so and skips.
set -uo pipefail
cd "$(dirname "$0")/.."
log() { echo "ci-docker: $*" >&2; }
start=$(date +%s)

missing=()
for p in docker.io mmdebstrap; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
    { log "could not install ${missing[*]}"; exit 0; }
fi

# The engine's own CLI: it builds with BuildKit without the buildx plugin.
export DOCKER=/usr/bin/docker
if ! $DOCKER info >/dev/null 2>&1; then
  log "starting dockerd (log: /var/log/surfhive-dockerd.log)"
  setsid dockerd >/var/log/surfhive-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 60); do $DOCKER info >/dev/null 2>&1 && break; sleep 1; done
  if ! $DOCKER info >/dev/null 2>&1; then
    log "dockerd did not start; the stack test will skip:"
    tail -n 5 /var/log/surfhive-dockerd.log >&2
    exit 0
  fi
fi

bash scripts/base-images.sh || { log "base images failed"; exit 1; }
log "building surfhive:latest"
DOCKER_BUILDKIT=1 $DOCKER build -q \
  --secret "id=ca_bundle,src=${SURFHIVE_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}" \
  -t surfhive:latest . >/dev/null || { log "image build failed"; exit 1; }
log "done in $(($(date +%s) - start)) s"
