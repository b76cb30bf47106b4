import type http from 'node:http';
import express, { type Request, type Response } from 'express';
import { listenHttp, type HttpTimeouts } from '../http/server';
import { registry } from '../metrics';

/** GET /metrics: the process's metrics in Prometheus's text format (README, "Metrics"). */
export async function metricsHandler(_req: Request, res: Response): Promise<void> {
  try {
    const text = await registry.metrics();
    res.type(registry.contentType).send(text);
  } catch {
    res.status(500).type('text/plain').send('metrics unavailable\n');
  }
}

/** A standalone worker's /metrics (GW_METRICS_PORT): a server of its own, nothing else on it. */
export async function serveMetrics(port: number, host: string, timeouts: HttpTimeouts): Promise<http.Server> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsHandler);
  return listenHttp(app, port, host, timeouts);
}
