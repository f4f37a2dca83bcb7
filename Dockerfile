# One image for the sandbox, the worker and the bridge (docker-compose.yml picks the npm script).
# TypeScript runs through tsx, as with `npm start`; the worker bundles the workflow code at start-up.
FROM node:20-slim

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# Dependencies first, so a source change does not reinstall them. Nothing at run time needs a dev
# dependency (tsx is a dependency).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src

USER node

# docker-compose.yml sets the command per service: npm run sandbox | worker | bridge | starter.
CMD ["npm", "run", "--silent", "worker"]
