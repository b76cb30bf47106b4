import type { Logger } from 'pino';
import { toEttn, type Ettn } from '../ids';
import type { Authenticator, Caller } from '../security/authenticator';
import { readUsernameToken } from '../security/wsse';
import { requestContext } from './context';
import { asGatewayError } from '../faults';
import { toSoapFault } from './faults';

export interface OperationDeps {
  authenticator: Authenticator;
  logger: Logger;
}

/**
 * Wraps a thin handler: authenticate the UsernameToken, call one service method, and turn any error into the typed
 * fault. Internal errors are logged here with their cause and reach the caller only as SISTEM HATASI.
 */
export function soapOperation<R>(
  name: string,
  deps: OperationDeps,
  handler: (caller: Caller, args: Record<string, unknown>) => Promise<R>,
) {
  return async (args: unknown, _callback: unknown, headers: unknown, req: unknown): Promise<R> => {
    const ctx = requestContext(req);
    ctx.operation = name;
    try {
      const caller = await deps.authenticator.authenticate(readUsernameToken(headers));
      ctx.tenant = caller.tenantVkn;
      ctx.user = caller.username;
      const result = await handler(caller, (args ?? {}) as Record<string, unknown>);
      ctx.outcome = 'ok';
      return result;
    } catch (err) {
      const e = asGatewayError(err);
      ctx.outcome = 'fault';
      ctx.faultCode = e.code;
      if (e.fault === 'INTERNAL') {
        const cause = e.cause instanceof Error ? { name: e.cause.name, message: e.cause.message, stack: e.cause.stack } : e.cause;
        deps.logger.error({ requestId: ctx.requestId, operation: name, cause }, 'internal error');
      }
      throw toSoapFault(e);
    }
  };
}

/** node-soap hands simple values over as strings or already converted, depending on the schema type. */
export function argBool(value: unknown): boolean {
  return value === true || value === 'true' || value === '1';
}

export function argString(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object' && '$value' in (value as object)) return String((value as { $value: unknown }).$value);
  const text = String(value).trim();
  return text === '' ? null : text;
}

/** An ETTN argument, normalised here where it enters (any case, surrounding spaces). */
export function argEttn(value: unknown): Ettn | null {
  const text = argString(value);
  return text === null ? null : toEttn(text);
}
