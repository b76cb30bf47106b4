import type { SignerRegistry } from '../../services/signer-registry';
import { parseJson } from '../../db/connect';
import { entities } from '../../db/machine-store';
import { signXml } from '../../signing/xades';
import { setInvoiceNumber } from '../../validation';
import { isGatewayError } from '../../faults';
import type { Task } from '../worker';
import { failInvoice, type InvoiceTaskDeps } from './invoice-process';

/**
 * invoice.sign — stage 30 (İmzalandı): writes the assigned number into the invoice, signs it with the tenant's mali
 * mühür (XAdES-BES in UBLExtensions) and stores the signed document; an invoice the caller signed itself was verified at SendInvoice and
 * is kept as it is. Rerunning after a crash finds the invoice past PROCESSED and does nothing; a signature made twice
 * is harmless (only the one whose transaction commits is named by the row).
 */
export function invoiceSignTask(deps: InvoiceTaskDeps & { signers: SignerRegistry }): Task {
  return {
    async run(job, ctx) {
      const id = Number(job.payload.id);
      const row = await deps.db('invoices')
        .where({ id })
        .first('state', 'version', 'tenant_id', 'document_sha256', 'caller_signed', 'invoice_number', 'context');
      if (!row || row.state !== 'PROCESSED') return;
      let signedSha: string = row.document_sha256;
      let reason = 'belge cagiranin imzasiyla kabul edildi';
      if (!row.caller_signed) {
        let document = await deps.blobs.get(row.document_sha256);
        // A number the gateway assigned goes into the document now, so the signature covers it.
        if (parseJson<{ numberAssigned?: boolean }>(row.context, {}).numberAssigned) document = setInvoiceNumber(document, row.invoice_number);
        const signer = await deps.signers.signerFor(Number(row.tenant_id));
        try {
          signedSha = await deps.blobs.put(await signXml(document, signer));
        } catch (err) {
          // A token pulled out or a session gone bad: open it afresh on the next attempt.
          if (isGatewayError(err) && err.spec.retryable) await deps.signers.drop(Number(row.tenant_id));
          throw err;
        }
        reason = `mali muhur ile imzalandi (${signer.kind})`;
      }
      await deps.writer.run(async (trx) => {
        await trx('invoices').where({ id, version: row.version }).update({ signed_sha256: signedSha });
        await deps.store.apply(
          entities.invoice(id),
          { event: 'SIGN', actor: 'worker', reason, expectedVersion: Number(row.version) },
          trx,
        );
        await ctx?.complete(trx);
      });
    },
    onExhausted: failInvoice(deps, 'PROCESSED'),
  };
}
