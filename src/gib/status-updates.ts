/**
 * What GİB tells the sender's side, turned into events of the invoice machine. Two sources say the same things:
 * system responses pushed to our EFatura endpoint and getApplicationResponse polls. GİB's codes are Ek-2 §4:
 *
 *   Merkez (the response's sender is GİB)   1000 / 1100 / 1200 / 1210 / 1220 → the matching GİB stage;
 *                                           1215, 1230, 1300 → the final outcome; 11xx and other errors → rejected
 *   the receiver's postbox (forwarded)      1200 → delivered (1300, as Merkez records it); an error → 1230
 *
 * Answers arrive late, twice or out of order (a poll can overtake a push): an event the invoice's state does not
 * accept is recorded in gib_responses and otherwise ignored, never an error. A response about an envelope we do not
 * know is kept too (GİB sends such noise) and logged.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { entities, type MachineStore } from '../db/machine-store';
import { isGatewayError } from '../faults';
import type { InvoiceEvent } from '../machines';
import { GIB_PARTY, gibStatus } from './protocol';

export interface SystemResponseInfo {
  systemEnvelopeId: string;
  /** The envelope the response is about. */
  aboutEnvelopeId: string;
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
  invoiceUuid: string;
  code: 'KABUL' | 'RED';
  reason: string;
  responseUuid: string;
  envelopeId: string;
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
  store: MachineStore;
  clock: () => Date;
  logger: Logger;
  pollAfterMs: number;
}

export function createGibStatusUpdates(deps: GibStatusDeps) {
  const now = () => deps.clock().toISOString();

  /** Applies an event unless the state does not take it (late or repeated news); returns whether it moved. */
  async function tryApply(trx: Knex.Transaction, id: number, event: InvoiceEvent, extra: { reason: string; code?: number; codeDescription?: string; contextPatch?: Record<string, unknown> }) {
    try {
      await deps.store.apply(entities.invoice(id), { event, actor: 'gib', ...extra }, trx);
      return true;
    } catch (err) {
      if (isGatewayError(err) && err.fault === 'ILLEGAL_TRANSITION') return false;
      throw err;
    }
  }

  return {
    /** Records one system response and moves the invoices of the envelope it is about. Returns whether it matched. */
    async applySystemResponse(trx: Knex.Transaction, r: SystemResponseInfo): Promise<boolean> {
      const about = r.aboutEnvelopeId.toLowerCase();
      const envelope = await trx('envelopes').where({ id: about, direction: 'OUT' }).first('id', 'type', 'gib_code');
      const inserted = await trx('gib_responses')
        .insert({
          system_envelope_id: r.systemEnvelopeId.toLowerCase(),
          about_envelope_id: about,
          code: r.code,
          description: r.description.slice(0, 2000),
          matched: Boolean(envelope),
          received_at: now(),
        })
        .onConflict(['system_envelope_id', 'about_envelope_id'])
        .ignore()
        .returning('id');
      if (!envelope) {
        deps.logger.warn({ systemEnvelope: r.systemEnvelopeId, about, code: r.code, source: r.source }, 'system response about an envelope we did not send: kept, ignored');
        return false;
      }
      // A push GİB repeated: the same system envelope about the same envelope changes nothing the second time.
      if (r.source === 'push' && inserted.length === 0) return true;

      const at = deps.clock();
      const fromMerkez = r.responderVkn === GIB_PARTY.vknTckn;
      const merkezCode = fromMerkez ? r.code : r.code === 1200 ? 1300 : gibStatus(r.code).outcome === 'error' ? 1230 : r.code;
      const final = FINAL_GIB_CODES.has(merkezCode) || (fromMerkez && gibStatus(r.code).outcome === 'error');
      await trx('envelopes')
        .where({ id: about, direction: 'OUT' })
        .update({
          gib_code: merkezCode,
          gib_description: r.description.slice(0, 1000),
          response_at: at.toISOString(),
          next_poll_at: final ? null : new Date(at.getTime() + deps.pollAfterMs).toISOString(),
          updated_at: at.toISOString(),
        });
      if (envelope.type !== 'SENDERENVELOPE') return true;

      const event = invoiceEventFor(r.code, fromMerkez);
      if (!event) return true;
      const invoices = await trx('invoices').where({ envelope_id: about }).select('id', 'state');
      for (const inv of invoices) {
        const reason = `${fromMerkez ? 'GIB' : 'alici'} sistem yaniti (${r.source}): ${r.code} ${r.description}`.slice(0, 1000);
        const patch: Record<string, unknown> = event === 'DELIVERED' ? { deliveredAt: at.toISOString() } : {};
        const moved = await tryApply(trx, Number(inv.id), event, {
          reason,
          ...(event === 'GIB_REJECTED' || event === 'RECEIVER_FAILED' ? { code: r.code, codeDescription: r.description.slice(0, 500) } : {}),
          contextPatch: patch,
        });
        if (!moved) deps.logger.info({ invoice: inv.id, state: inv.state, event, code: r.code }, 'system response does not move the invoice (late or repeated)');
      }
      return true;
    },

    /**
     * The receiver's KABUL or RED for one of our tenant's invoices. A KABUL proves delivery, so an invoice still
     * waiting for the 1300 is moved to delivered first. Returns false when no such invoice exists or the answer
     * is not allowed (not TICARIFATURA, outside the 8 days, answered already).
     */
    async applyApplicationResponse(trx: Knex.Transaction, r: ApplicationResponseInfo): Promise<boolean> {
      const inv = await trx('invoices').where({ tenant_id: r.tenantId }).whereRaw('lower(ettn) = ?', [r.invoiceUuid.toLowerCase()]).first('id', 'state', 'kind');
      if (!inv || inv.kind !== 'EFATURA') {
        deps.logger.warn({ tenant: r.tenantId, invoice: r.invoiceUuid }, 'application response for an invoice we do not have');
        return false;
      }
      const id = Number(inv.id);
      const at = now();
      if (['SENT', 'GIB_QUEUED', 'GIB_PROCESSING', 'GIB_ACCEPTED', 'DELIVERY_RETRY', 'AWAITING_RECEIVER'].includes(inv.state)) {
        await tryApply(trx, id, 'DELIVERED', { reason: `alicinin ${r.code} yaniti teslimi gosteriyor`, contextPatch: { deliveredAt: at } });
      }
      const event = r.code === 'KABUL' ? 'APPLICATION_ACCEPTED' : 'APPLICATION_REJECTED';
      const moved = await tryApply(trx, id, event, {
        reason: `alici ${r.code}: ${r.reason}`.slice(0, 1000),
        contextPatch: { applicationResponse: { code: r.code, reason: r.reason, uuid: r.responseUuid, envelopeId: r.envelopeId, at } },
      });
      if (!moved) deps.logger.warn({ invoice: id, state: inv.state, answer: r.code }, 'application response not accepted (late, repeated or not TICARIFATURA)');
      return moved;
    },
  };
}

export type GibStatusUpdates = ReturnType<typeof createGibStatusUpdates>;
