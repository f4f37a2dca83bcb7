# One image for the worker, the webhook bridge, the codec server, the starter and the Mesh sandbox: the
# compiled JavaScript of `npm run build`, run by node under tini. docker-compose.yml picks the process by
# command (node dist/<process>/main.js); the default is the worker.
#
# Node 24 (LTS "Krypton", supported until April 2028), pinned to an exact release. Update all three
# stages together.

# Build: every dependency (TypeScript, tsx for the bundling script), then `npm run build`: src/ compiled
# to dist/ with source maps, and the workflow bundle dist/workflow-bundle.js (scripts/build-workflow-bundle.ts)
# that the worker loads through WORKFLOW_BUNDLE_PATH instead of running webpack at every start.
FROM node:24.17.0-bookworm-slim AS build
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build-workflow-bundle.ts ./scripts/
# The worker's build ID for Worker Versioning, recorded in dist/build-info.json: pass the release
# (docker compose build with WORKER_BUILD_ID set). Unset: the package version and a hash of the workflow
# bundle, so an image with other workflow code is always another version (the context has no git).
ARG WORKER_BUILD_ID=""
RUN npm run build

# Production dependencies only: tsx, TypeScript and the test tools stay out of the image.
FROM node:24.17.0-bookworm-slim AS production-dependencies
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:24.17.0-bookworm-slim
# tini is PID 1: it passes SIGTERM/SIGINT to node (once) and reaps zombies. Nothing at run time needs a
# package manager: npm, npx, corepack and yarn are removed.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* \
  && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
  && rm -f /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg
# Stack traces point at the TypeScript: the source maps in dist/ carry it.
ENV NODE_ENV=production NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

# The image's own unprivileged user; nothing under /app is writable by it.
USER node

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/worker/main.js"]
