import type { Server } from 'soap';
import { GatewayError } from '../faults';
import { toSoapFault } from './faults';

/**
 * node-soap answers some failures itself, with its own text: unparseable XML (faultcode "500" and a stack), an unknown
 * operation (a TypeError's text), errors from its authenticate hook. Two private methods see all of them, so we wrap
 * those two instead of patching each path; `test/soap/bad-input.test.ts` pins this down for the soap version in
 * package.json.
 */
type Internals = {
  _process(input: string, req: unknown, res: unknown, cb: (result: string, status?: number) => void): void;
  _sendError(fault: Record<string, unknown>, cb: (result: string, status?: number) => void, ts?: unknown): void;
};

const OURS = Symbol('gateway-fault');

export function hardenSoapServer(server: Server): void {
  const internals = server as unknown as Internals;
  const process = internals._process.bind(server);
  const sendError = internals._sendError.bind(server);

  internals._process = (input, req, res, cb) => {
    try {
      process(input, req, res, cb);
    } catch {
      // Thrown before a handler ran: the envelope could not be parsed or bound to an operation.
      throw mark(toSoapFault(new GatewayError('REQUEST_MALFORMED')));
    }
  };

  internals._sendError = (fault, cb, ts) => {
    if ((fault as Record<symbol, unknown>)[OURS] || isOurFault(fault)) return sendError(fault, cb, ts);
    // A fault node-soap built from some internal error: replace it, keeping nothing of its text.
    const ours = toSoapFault(new GatewayError(looksLikeClientError(fault) ? 'REQUEST_MALFORMED' : 'INTERNAL')).Fault;
    return sendError(ours, cb, ts);
  };
}

function mark<T extends { Fault: Record<string, unknown> }>(fault: T): T {
  (fault.Fault as Record<symbol, unknown>)[OURS] = true;
  return fault;
}

function isOurFault(fault: Record<string, unknown>): boolean {
  const detail = fault.detail as { $xml?: string } | undefined;
  return typeof detail?.$xml === 'string' && detail.$xml.startsWith('<gw:GatewayFault');
}

function looksLikeClientError(fault: Record<string, unknown>): boolean {
  const code = (fault.Code as { Value?: string } | undefined)?.Value ?? String(fault.faultcode ?? '');
  return /Client/i.test(code) || /TypeError|Cannot read/.test(JSON.stringify(fault.Reason ?? ''));
}
