import type { Knex } from 'knex';
import type { JobRow } from '../../db/jobs';
import type { MachineStore } from '../../db/machine-store';
import type { WriteBatcher } from '../../db/write-batcher';
import { parseJson } from '../../db/connect';
import { asGatewayError } from '../../soap/faults';
import type { BlobStore } from '../../storage/blob-store';
import { setInvoiceNumber } from '../../validation';
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
      { table: 'invoices', id },
      { event: 'FAIL', actor: 'worker', reason: `${job.task}: ${e.message}`, code: e.code, codeDescription: e.message },
    );
  };
}

/**
 * invoice.process — stage 20 (İşlendi): reads the stored original back (its hash is checked on read), writes the
 * assigned number into the document and stores that version, then moves the invoice on. Rerunning it after a crash
 * finds the invoice past RECEIVED and does nothing.
 */
export function invoiceProcessTask(deps: InvoiceTaskDeps): Task {
  return {
    async run(job) {
      const id = Number(job.payload.id);
      const row = await deps.db('invoices').where({ id }).first('state', 'version', 'invoice_number', 'document_sha256', 'context');
      if (!row || row.state !== 'RECEIVED') return;
      const context = parseJson<Record<string, unknown>>(row.context, {});
      let documentSha: string = row.document_sha256;
      if (context.numberAssigned) {
        const original = await deps.blobs.get(row.document_sha256);
        documentSha = await deps.blobs.put(setInvoiceNumber(original, row.invoice_number));
      } else {
        await deps.blobs.get(row.document_sha256); // proves the stored original is whole
      }
      await deps.writer.run(async (trx) => {
        if (documentSha !== row.document_sha256) {
          await trx('invoices').where({ id, version: row.version }).update({ document_sha256: documentSha });
        }
        await deps.store.apply(
          { table: 'invoices', id },
          { event: 'PROCESS', actor: 'worker', reason: 'belge islendi', expectedVersion: Number(row.version) },
          trx,
        );
      });
    },
    onExhausted: failInvoice(deps, 'RECEIVED'),
  };
}
