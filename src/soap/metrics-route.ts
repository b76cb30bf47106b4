import type http from 'node:http';
import express, { type Request, type Response } from 'express';
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
export async function serveMetrics(port: number, host: string): Promise<http.Server> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsHandler);
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return server;
}
