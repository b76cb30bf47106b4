import type { Knex } from 'knex';
import type { JobRow } from '../../db/jobs';
import { entities, type MachineStore } from '../../db/machine-store';
import type { WriteBatcher } from '../../db/write-batcher';
import { asGatewayError } from '../../soap/faults';
import type { BlobStore } from '../../storage/blob-store';
import type { Task } from '../worker';

export interface InvoiceTaskDeps {
  db: Knex;
  store: MachineStore;
  writer: WriteBatcher;
  blobs: BlobStore;
}

/** Moves a failed invoice to its error state with the fault's code, unless something else moved it already. */
export function failInvoice(deps: InvoiceTaskDeps, fromState: string) {
  return async (job: JobRow, err: unknown): Promise<void> => {
    const id = Number(job.payload.id);
    const row = await deps.db('invoices').where({ id }).first('state');
    if (!row || row.state !== fromState) return;
    const e = asGatewayError(err);
    await deps.store.apply(
      entities.invoice(id),
      { event: 'FAIL', actor: 'worker', reason: `${job.task}: ${e.message}`, code: e.code, codeDescription: e.message },
    );
  };
}

/**
 * invoice.process — stage 20 (İşlendi): reads the stored original back (its hash is checked on read, proving the
 * blob is whole) and moves the invoice on. The assigned number is written into the document by invoice.sign, just
 * before signing, so no unsigned numbered copy is written (each blob write costs two fsyncs). Rerunning it after a
 * crash finds the invoice past RECEIVED and does nothing.
 */
export function invoiceProcessTask(deps: InvoiceTaskDeps): Task {
  return {
    async run(job, ctx) {
      const id = Number(job.payload.id);
      const row = await deps.db('invoices').where({ id }).first('state', 'version', 'document_sha256');
      if (!row || row.state !== 'RECEIVED') return;
      await deps.blobs.get(row.document_sha256);
      await deps.writer.run(async (trx) => {
        await deps.store.apply(
          entities.invoice(id),
          { event: 'PROCESS', actor: 'worker', reason: 'belge islendi', expectedVersion: Number(row.version) },
          trx,
        );
        await ctx?.complete(trx);
      });
    },
    onExhausted: failInvoice(deps, 'RECEIVED'),
  };
}
