import type { Request } from 'express';

/** What the one request log line says about a call; filled in as the call goes. Never holds secrets or bodies. */
export interface RequestContext {
  requestId: string;
  operation?: string;
  tenant?: string;
  user?: string;
  outcome?: 'ok' | 'fault';
  faultCode?: number;
}

export function requestContext(req: unknown): RequestContext {
  const r = req as Request & { gw?: RequestContext };
  r.gw ??= { requestId: 'unknown' };
  return r.gw;
}
