#!/bin/sh
# Debian's redis-server starts in protected mode (loopback only) when it has no config file and
# no password; the official image is built without it. Reachability is the network's job here
# (compose puts Redis on an internal network), so turn it off unless the command sets it.
set -e
if [ "$1" = redis-server ] || [ "${1#-}" != "$1" ]; then
  [ "$1" = redis-server ] && shift
  set -- redis-server --protected-mode no "$@"
fi
exec "$@"
