# The gateway on its embedded defaults (SQLite + local files under /data). Set GW_DATABASE_URL for PostgreSQL and
# mount a PKCS#11 module + GW_SIGNER_* for a real mali mühür card (see README).
FROM node:20-bookworm-slim

# better-sqlite3, pkcs11js and libxmljs2 build from source (their prebuilt downloads are not used); softhsm2 and
# opensc give a PKCS#11 stack inside the image for testing a token; chromium renders invoice visuals as PDF (with
# fonts that have Turkish letters) and python3-lxml (libxslt) runs invoices' own XSLTs (GW_CHROMIUM_PATH, GW_PYTHON).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-lxml make g++ softhsm2 opensc ca-certificates chromium fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY wsdl ./wsdl
COPY src ./src

RUN useradd --system --uid 10001 --home /app gateway && mkdir -p /data && chown gateway /data
USER gateway

ENV GW_HOST=0.0.0.0 \
    GW_PORT=8080 \
    GW_DATA_DIR=/data \
    UV_THREADPOOL_SIZE=16 \
    NODE_ENV=production
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8080/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

CMD ["sh", "-c", "node_modules/.bin/tsx src/cli.ts demo:init && exec node_modules/.bin/tsx src/server.ts"]
