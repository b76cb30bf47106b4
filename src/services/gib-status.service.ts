/**
 * What GİB tells the sender's side, turned into events of the invoice machine. Two sources say the same things:
 * system responses pushed to our EFatura endpoint and getApplicationResponse polls. GİB's codes are Ek-2 §4:
 *
 *   Merkez (the response's sender is GİB)   1000 / 1100 / 1200 / 1210 / 1220 → the matching GİB stage;
 *                                           1215, 1230, 1300 → the final outcome; 11xx and other errors → rejected
 *   the receiver's postbox (forwarded)      1200 → delivered (1300, as Merkez records it); an error → 1230
 *
 * Answers arrive late, twice or out of order (a poll can overtake a push): an event the invoice's state does not
 * accept is recorded in gib_responses and otherwise ignored, never an error — except one that comes before our
 * record of the send, which is kept until the send is recorded (tryApply). A response about an envelope we do not
 * know is kept too (GİB sends such noise) and logged.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { dueForPoll, envelopeById, insertGibResponse, postponePoll, recordGibStatus } from '../db/envelopes';
import { findInvoice, invoicesOfEnvelope } from '../db/invoices';
import { entities, type MachineStore } from '../db/machine-store';
import type { WriteBatcher } from '../db/write-batcher';
import { isGatewayError } from '../faults';
import type { GibClient } from '../gib/client';
import { GIB_PARTY, gibStatus } from '../gib/protocol';
import { toEnvelopeId, type EnvelopeId, type Ettn } from '../ids';
import type { InvoiceEvent } from '../machines';

export interface SystemResponseInfo {
  systemEnvelopeId: EnvelopeId;
  /** The envelope the response is about. */
  aboutEnvelopeId: EnvelopeId;
  code: number;
  description: string;
  /** VKN/TCKN of the party that answered: GİB's for Merkez, the receiver's for a forwarded postbox response. */
  responderVkn: string;
  /** 'push' (our endpoint) or 'poll' (getApplicationResponse). */
  source: 'push' | 'poll';
}

export interface ApplicationResponseInfo {
  /** Our tenant: the invoice's sender, to whom the answer was addressed. */
  tenantId: number;
  invoiceUuid: Ettn;
  code: 'KABUL' | 'RED';
  reason: string;
  responseUuid: string;
  envelopeId: EnvelopeId;
}

const MERKEZ_EVENTS: Record<number, InvoiceEvent> = {
  1000: 'GIB_QUEUED',
  1100: 'GIB_PROCESSING',
  1200: 'GIB_ACCEPTED',
  1210: 'DELIVERY_RETRY',
  1220: 'AWAITING_RECEIVER',
  1215: 'DELIVERY_FAILED',
  1230: 'RECEIVER_FAILED',
  1300: 'DELIVERED',
};

/** The invoice's state between its envelope and the recorded send: GİB's answers that come then are kept. */
const BEFORE_SENT = ['ENVELOPED'] as const;

/** Codes after which GİB has nothing more to say about an envelope (no more polling). */
export const FINAL_GIB_CODES: ReadonlySet<number> = new Set([1215, 1230, 1235, 1300]);

/** The invoice event a system response means, or null when it means nothing for the invoice. */
export function invoiceEventFor(code: number, fromMerkez: boolean): InvoiceEvent | null {
  if (!fromMerkez) {
    if (code === 1200 || code === 1300) return 'DELIVERED';
    return gibStatus(code).outcome === 'error' ? 'RECEIVER_FAILED' : null;
  }
  if (code === 1235) return null; // cancellation: the cancellation request's business, not the envelope's
  return MERKEZ_EVENTS[code] ?? (gibStatus(code).outcome === 'error' ? 'GIB_REJECTED' : null);
}

export interface GibStatusDeps {
  db: Knex;
  writer: WriteBatcher;
  store: MachineStore;
  clock: () => Date;
  logger: Logger;
  /** When a sent envelope with no system response is first polled (GW_GIB_POLL_AFTER_MS, 24 h). */
  pollAfterMs: number;
  /** Then at most this often (GW_GIB_POLL_EVERY_MS, 5 h). */
  pollEveryMs: number;
  /** getApplicationResponse; only the poll needs it. */
  client?: Pick<GibClient, 'getApplicationResponse'>;
  /** GİB's answer about a USERENVELOPE (opening or closing a tenant's service: src/activation). */
  onUserEnvelopeResponse?: (trx: Knex.Transaction, envelopeId: EnvelopeId, code: number, description: string) => Promise<void>;
}

export function createGibStatusService(deps: GibStatusDeps) {
  const now = () => deps.clock().toISOString();

  /**
   * Applies an event unless the state does not take it (late or repeated news). An answer about an envelope whose
   * send we have not recorded yet (the invoice still ENVELOPED: GİB took it, then we crashed or timed out before the
   * commit) is kept and applied when the send is recorded — also when that is a resend GİB answers with 2001.
   */
  async function tryApply(trx: Knex.Transaction, id: number, event: InvoiceEvent, extra: { reason: string; code?: number; codeDescription?: string; contextPatch?: Record<string, unknown> }): Promise<'moved' | 'held' | 'ignored'> {
    try {
      const r = await deps.store.apply(entities.invoice(id), { event, actor: 'gib', ...extra, holdWhileIn: BEFORE_SENT }, trx);
      return r.held ? 'held' : 'moved';
    } catch (err) {
      if (isGatewayError(err) && err.fault === 'ILLEGAL_TRANSITION') return 'ignored';
      throw err;
    }
  }

  const service = {
    /** Records one system response and moves the invoices of the envelope it is about. Returns whether it matched. */
    async applySystemResponse(trx: Knex.Transaction, r: SystemResponseInfo): Promise<boolean> {
      const about = r.aboutEnvelopeId;
      const envelope = await envelopeById(trx, about, 'OUT');
      const inserted = await insertGibResponse(trx, { systemEnvelopeId: r.systemEnvelopeId, aboutEnvelopeId: about, code: r.code, description: r.description, matched: Boolean(envelope), at: now() });
      if (!envelope) {
        deps.logger.warn({ systemEnvelope: r.systemEnvelopeId, about, code: r.code, source: r.source }, 'system response about an envelope we did not send: kept, ignored');
        return false;
      }
      // A push GİB repeated: the same system envelope about the same envelope changes nothing the second time.
      if (r.source === 'push' && !inserted) return true;

      const at = deps.clock();
      const fromMerkez = r.responderVkn === GIB_PARTY.vknTckn;
      const merkezCode = fromMerkez ? r.code : r.code === 1200 ? 1300 : gibStatus(r.code).outcome === 'error' ? 1230 : r.code;
      const final = FINAL_GIB_CODES.has(merkezCode) || (fromMerkez && gibStatus(r.code).outcome === 'error');
      await recordGibStatus(trx, about, {
        code: merkezCode,
        description: r.description,
        at: at.toISOString(),
        nextPollAt: final ? null : new Date(at.getTime() + deps.pollAfterMs).toISOString(),
      });
      if (envelope.type === 'USERENVELOPE' && fromMerkez) {
        await deps.onUserEnvelopeResponse?.(trx, about, r.code, r.description);
        return true;
      }
      if (envelope.type !== 'SENDERENVELOPE') return true;

      const event = invoiceEventFor(r.code, fromMerkez);
      if (!event) return true;
      for (const inv of await invoicesOfEnvelope(trx, about)) {
        const reason = `${fromMerkez ? 'GIB' : 'alici'} sistem yaniti (${r.source}): ${r.code} ${r.description}`.slice(0, 1000);
        const patch: Record<string, unknown> = event === 'DELIVERED' ? { deliveredAt: at.toISOString() } : {};
        const moved = await tryApply(trx, inv.id, event, {
          reason,
          ...(event === 'GIB_REJECTED' || event === 'RECEIVER_FAILED' ? { code: r.code, codeDescription: r.description.slice(0, 500) } : {}),
          contextPatch: patch,
        });
        if (moved === 'ignored') deps.logger.info({ invoice: inv.id, state: inv.state, event, code: r.code }, 'system response does not move the invoice (late or repeated)');
        if (moved === 'held') deps.logger.warn({ invoice: inv.id, envelope: about, event, code: r.code }, 'system response before the send was recorded: kept until it is');
      }
      return true;
    },

    /**
     * The receiver's KABUL or RED for one of our tenant's invoices. A KABUL proves delivery, so an invoice still
     * waiting for the 1300 is moved to delivered first. Returns false when no such invoice exists or the answer
     * is not allowed (not TICARIFATURA, outside the 8 days, answered already).
     */
    async applyApplicationResponse(trx: Knex.Transaction, r: ApplicationResponseInfo): Promise<boolean> {
      const inv = await findInvoice(trx, r.tenantId, { ettn: r.invoiceUuid });
      if (!inv || inv.kind !== 'EFATURA') {
        deps.logger.warn({ tenant: r.tenantId, invoice: r.invoiceUuid }, 'application response for an invoice we do not have');
        return false;
      }
      const id = inv.id;
      const at = now();
      if (['ENVELOPED', 'SENT', 'GIB_QUEUED', 'GIB_PROCESSING', 'GIB_ACCEPTED', 'DELIVERY_RETRY', 'AWAITING_RECEIVER'].includes(inv.state)) {
        await tryApply(trx, id, 'DELIVERED', { reason: `alicinin ${r.code} yaniti teslimi gosteriyor`, contextPatch: { deliveredAt: at } });
      }
      const event = r.code === 'KABUL' ? 'APPLICATION_ACCEPTED' : 'APPLICATION_REJECTED';
      const moved = await tryApply(trx, id, event, {
        reason: `alici ${r.code}: ${r.reason}`.slice(0, 1000),
        contextPatch: { applicationResponse: { code: r.code, reason: r.reason, uuid: r.responseUuid, envelopeId: r.envelopeId, at } },
      });
      if (moved === 'ignored') deps.logger.warn({ invoice: id, state: inv.state, answer: r.code }, 'application response not accepted (late, repeated or not TICARIFATURA)');
      return moved !== 'ignored';
    },

    /**
     * The poll (gib.poll): getApplicationResponse only for the sent envelopes whose system response has not come
     * within the configured wait (next_poll_at, set when sent and moved on by every response: 24 h by default), then
     * at most every `pollEveryMs` (5 h) until GİB gives a final code (ÖEBSD audit guide J15: no polling in a loop).
     */
    async pollDue(batch = 50): Promise<void> {
      const client = deps.client;
      if (!client) throw new Error('gib status: polling needs a GİB client');
      for (const { id, fileName } of await dueForPoll(deps.db, now(), batch)) {
        const next = new Date(deps.clock().getTime() + deps.pollEveryMs).toISOString();
        let answer;
        try {
          answer = await client.getApplicationResponse((fileName ?? id).replace(/\.zip$/, '')); // in the envelope's own case
        } catch (err) {
          deps.logger.warn({ envelope: id, error: (err as Error).message }, 'polling GİB failed; trying again later');
          await deps.writer.run((trx) => postponePoll(trx, id, next));
          continue;
        }
        await deps.writer.run(async (trx) => {
          if (answer) {
            await service.applySystemResponse(trx, {
              systemEnvelopeId: toEnvelopeId(answer.uuid),
              aboutEnvelopeId: id,
              code: answer.code,
              description: answer.description,
              responderVkn: answer.sender.vknTckn,
              source: 'poll',
            });
          } else deps.logger.warn({ envelope: id }, 'GİB does not know the envelope (2004)');
          // Still not final: ask again no sooner than pollEveryMs.
          await postponePoll(trx, id, next);
        });
      }
    },
  };
  return service;
}

export type GibStatusService = ReturnType<typeof createGibStatusService>;
