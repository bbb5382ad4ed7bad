# acr-cmk's Slack app as a container: built in one stage, run as the unprivileged `node` user in another, on Node 24.
# Runs, locks and the audit chain live in the storage account named by ACR_CMK_STORE (see docs/deploy-azure.md).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts are skipped here (`prepare` would build before the sources are copied); the build runs below.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    ACR_CMK_HOME=/home/node/.acr-cmk \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY manifest.yml ./
COPY --from=build /app/dist ./dist
USER node
RUN mkdir -p /home/node/.acr-cmk
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM: the app stops taking requests (readyz answers 503), finishes what it acknowledged and releases its leases.
STOPSIGNAL SIGTERM
CMD ["node", "bin/acr-cmk.js", "slack"]
