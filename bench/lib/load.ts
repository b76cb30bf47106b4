import http from 'node:http';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
}

/**
 * A small closed-loop load generator: `concurrency` loops on keep-alive connections, each sending its next request as
 * soon as the last answer arrived, for `durationMs`. Bounded in time and only ever aimed at loopback.
 */
export async function runLoad(opts: {
  url: string;
  concurrency: number;
  durationMs: number;
  makeRequest: () => { body: string; headers?: Record<string, string> };
  isOk?: (status: number, body: string) => boolean;
}): Promise<LoadResult> {
  const url = new URL(opts.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error('load tests target loopback only');
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + opts.durationMs;

  function once(): Promise<void> {
    const { body, headers } = opts.makeRequest();
    const t0 = process.hrtime.bigint();
    return new Promise((resolve) => {
      const req = http.request(
        { agent, method: 'POST', hostname: url.hostname, port: url.port, path: url.pathname, headers: { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (opts.isOk ? opts.isOk(res.statusCode ?? 0, text) : res.statusCode === 200) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
            else {
              errors++;
              if (errors <= 3) console.error(`unexpected answer ${res.statusCode}: ${text.slice(0, 300)}`);
            }
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  }

  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (Date.now() < deadline) await once();
    }),
  );
  agent.destroy();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { requests: latencies.length, errors, seconds, rps: latencies.length / seconds, p50: pct(50), p90: pct(90), p99: pct(99) };
}
