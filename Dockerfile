# Hearth, headless: `hearth serve` on 0.0.0.0:7433, data (settings, keys, models, logs) in /data.
#   docker build -t hearth .
#   docker run -p 7433:7433 -v hearth-data:/data -e HEARTH_ADMIN_TOKEN=... hearth
# One container owns one GPU (or the CPU): see docs/headless.md before running several.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Electron's binary is never needed here (it downloads on first use only, but make sure).
ENV ELECTRON_SKIP_BINARY_DOWNLOAD=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HEARTH_DATA_DIR=/data \
    HEARTH_PORT=7433
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist/server ./dist/server
COPY --from=build /app/renderer/dist ./renderer/dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 7433
# Liveness only: /healthz answers while the process is alive. Readiness (/readyz) is for load
# balancers; it is 503 while a model loads or when nothing can serve.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "require('http').get({host:'127.0.0.1',port:process.env.HEARTH_PORT||7433,path:'/healthz',timeout:4000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
CMD ["node", "bin/hearth.js", "serve", "--host", "0.0.0.0"]
