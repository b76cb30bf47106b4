import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { requestContext } from './context';

/** One log line per request: id, operation, tenant, status, outcome, duration. Never bodies or credentials. */
export function requestLogger(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const header = req.get('x-request-id');
    const ctx = requestContext(req);
    ctx.requestId = header && /^[\w.-]{1,100}$/.test(header) ? header : randomUUID();
    res.setHeader('X-Request-Id', ctx.requestId);
    res.on('finish', () => {
      logger.info(
        {
          requestId: ctx.requestId,
          method: req.method,
          path: req.path,
          operation: ctx.operation,
          tenant: ctx.tenant,
          user: ctx.user,
          status: res.statusCode,
          outcome: ctx.outcome ?? (res.statusCode < 400 ? 'ok' : 'fault'),
          faultCode: ctx.faultCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    next();
  };
}
