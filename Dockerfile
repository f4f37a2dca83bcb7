# One image for the worker, the webhook bridge, the codec server and the Mesh sandbox
# (docker-compose.yml picks the npm script per service). TypeScript runs through tsx, as with `npm start`.

# Production dependencies only: nothing at run time needs a dev dependency (tsx is a dependency).
FROM node:20-slim AS deps
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# The workflow code bundled once at build time (scripts/build-workflow-bundle.ts): the worker loads it
# through WORKFLOW_BUNDLE_PATH instead of running webpack at every start, and every replica runs the
# same bytes.
FROM deps AS workflow-bundle
COPY tsconfig.json ./
COPY src ./src
COPY scripts/build-workflow-bundle.ts ./scripts/
RUN npx tsx scripts/build-workflow-bundle.ts dist/workflow-bundle.js

FROM node:20-slim
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY --from=workflow-bundle /app/dist/workflow-bundle.js ./dist/workflow-bundle.js

# The image's own unprivileged user; nothing under /app is writable by it.
USER node

# docker-compose.yml sets the command per service: npm run worker | bridge | codec-server | sandbox | starter.
CMD ["npm", "run", "--silent", "worker"]
