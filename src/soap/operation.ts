import type { Logger } from 'pino';
import { GatewayError, asGatewayError } from '../faults';
import { toEttn, type Ettn } from '../ids';
import type { Authenticator, Caller } from '../security/authenticator';
import { requestContext } from './context';
import type { SoapOperation, SoapValue } from './server';

export interface OperationDeps {
  authenticator: Authenticator;
  logger: Logger;
}

/**
 * Wraps a thin handler: authenticate the UsernameToken, call one service method, and turn any error into the typed
 * fault. Internal errors are logged here with their cause and reach the caller only as SISTEM HATASI.
 */
export function soapOperation(
  name: string,
  deps: OperationDeps,
  handler: (caller: Caller, args: Readonly<Record<string, string>>) => Promise<Record<string, SoapValue>>,
): SoapOperation {
  return {
    async run({ token, args, req }) {
      const ctx = requestContext(req);
      ctx.operation = name;
      try {
        const caller = await deps.authenticator.authenticate(token);
        ctx.tenant = caller.tenantVkn;
        ctx.user = caller.username;
        const result = await handler(caller, args);
        ctx.outcome = 'ok';
        return result;
      } catch (err) {
        const e = asGatewayError(err);
        if (e.fault === 'INTERNAL') {
          const cause = e.cause instanceof Error ? { name: e.cause.name, message: e.cause.message, stack: e.cause.stack } : e.cause;
          deps.logger.error({ requestId: ctx.requestId, operation: name, cause }, 'internal error');
        }
        throw e;
      }
    },
  };
}

/** xs:boolean: true or 1. */
export function argBool(value: string | undefined): boolean {
  const v = value?.trim();
  return v === 'true' || v === '1';
}

/** A string argument, trimmed; absent or empty is null. */
export function argString(value: string | undefined): string | null {
  if (value === undefined) return null;
  const text = value.trim();
  return text === '' ? null : text;
}

/** A string argument that must be there (trimmed, not empty), else REQUEST_FIELD naming it. */
export function argRequired(value: string | undefined, field: string): string {
  const v = argString(value);
  if (v === null) throw new GatewayError('REQUEST_FIELD', { field });
  return v;
}

/** A repeated field's values (one per line, see request-shape.ts), trimmed, empty ones left out. */
export function argList(value: string | undefined): string[] {
  return (value ?? '').split('\n').map((v) => v.trim()).filter((v) => v !== '');
}

/** An ETTN argument, normalised here where it enters (any case, surrounding spaces). */
export function argEttn(value: string | undefined): Ettn | null {
  const text = argString(value);
  return text === null ? null : toEttn(text);
}
