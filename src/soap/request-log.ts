import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { metrics } from '../metrics';
import { requestContext } from './context';

/** The endpoint a path belongs to, for the metrics' labels (paths themselves are unbounded). */
function endpointOf(path: string): 'soap' | 'gib' | 'other' {
  if (path.startsWith('/soap/')) return 'soap';
  if (path.startsWith('/gib/')) return 'gib';
  return 'other';
}

const PLAIN_ROUTES = new Set(['/health', '/metrics']);

/**
 * One log line per request — id, operation, tenant, status, outcome, duration; never bodies or credentials — and
 * the request's metrics.
 */
export function requestLogger(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const header = req.get('x-request-id');
    const ctx = requestContext(req);
    ctx.requestId = header && /^[\w.-]{1,100}$/.test(header) ? header : randomUUID();
    res.setHeader('X-Request-Id', ctx.requestId);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const outcome = ctx.outcome ?? (res.statusCode < 400 ? 'ok' : 'fault');
      const endpoint = endpointOf(req.path);
      const operation = ctx.operation ?? (PLAIN_ROUTES.has(req.path) ? req.path.slice(1) : '');
      metrics.requests.inc({ endpoint, operation, outcome, code: ctx.faultCode === undefined ? '' : String(ctx.faultCode) });
      metrics.requestSeconds.observe({ endpoint, operation }, ms / 1000);
      logger.info(
        {
          requestId: ctx.requestId,
          method: req.method,
          path: req.path,
          operation: ctx.operation,
          tenant: ctx.tenant,
          user: ctx.user,
          status: res.statusCode,
          outcome,
          faultCode: ctx.faultCode,
          ms,
        },
        'request',
      );
    });
    next();
  };
}
