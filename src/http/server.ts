/**
 * Every HTTP server of the project listens through here (the gateway, the GİB simulator, tests and benchmarks that
 * serve an app; a portal later), so none is left with Node's defaults: no limit on the time a request body may take
 * (requestTimeout 300 s, and that checked only every 30 s), 60 s for headers. An outside test held 20 connections
 * sending one byte a second open for 30 s on both SOAP endpoints.
 *
 *   headers    the request line and headers must arrive within this (slowloris);
 *   request    the whole request, body included, within this — at most what a slow but honest client needs to
 *              upload the largest body (20 MiB at 1.4 Mbit/s in 120 s);
 *   keepAlive  an idle kept-alive connection is closed after this.
 * Node checks the first two only every connectionsCheckingInterval; it is set from them, so a timeout is late by at
 * most a quarter of the shorter one (and never more than a second).
 */
import http from 'node:http';

export interface HttpTimeouts {
  headersMs: number;
  requestMs: number;
  keepAliveMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = Object.freeze({ headersMs: 15_000, requestMs: 120_000, keepAliveMs: 5_000 });

/** An HTTP server for `handler` (an express app) with the timeouts set; not listening yet. */
export function createHttpServer(handler: http.RequestListener, timeouts: HttpTimeouts = DEFAULT_HTTP_TIMEOUTS): http.Server {
  return http.createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(Math.min(timeouts.headersMs, timeouts.requestMs) / 4))),
    },
    handler,
  );
}

/** createHttpServer, listening on `port` (0: any free one) and `host`; resolves once it listens. */
export async function listenHttp(handler: http.RequestListener, port: number, host: string, timeouts?: HttpTimeouts): Promise<http.Server> {
  const server = createHttpServer(handler, timeouts);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  return server;
}
