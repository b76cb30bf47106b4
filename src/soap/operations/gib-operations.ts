/**
 * The operations that exist once the gateway travels GİB's protocols: the inbox and KABUL/RED, CancelInvoice and
 * the cancellation requests of GİB's portal, and the user list. Thin handlers: arguments → one service call → the
 * WSDL's types (wsdl/gateway.wsdl).
 */
import { GatewayError } from '../../faults';
import type { CancelRequestView } from '../../gib/cancel-portal-client';
import { asGibFault } from '../../gib/client-errors';
import { displayEnvelopeId, type Ettn } from '../../ids';
import { responseDeadline } from '../../machines/invoice.guards';
import type { Caller } from '../../security/authenticator';
import type { ApplicationResponseService } from '../../services/application-response.service';
import type { EfaturaCancelService } from '../../services/efatura-cancel.service';
import type { GibUserDirectory } from '../../services/gib-users';
import type { InboxService, IncomingInvoiceView } from '../../services/inbox.service';
import type { InvoiceCancelService } from '../../services/invoice-cancel.service';
import type { InvoiceService } from '../../services/invoice.service';
import type { InvoiceVisualService } from '../../services/invoice-visual.service';
import type { BlobStore } from '../../storage/blob-store';
import { argBool, argEttn, argString, soapOperation, type OperationDeps } from '../operation';
import { invoiceStatusXml } from './invoice-status';
import { argFormat } from './outgoing-operations';

const TEN_DAYS_MS = 10 * 24 * 3600_000;

interface Deps extends OperationDeps {
  invoices: InvoiceService;
  inbox: InboxService;
  gib: {
    applicationResponses: ApplicationResponseService;
    efaturaCancel: EfaturaCancelService;
    invoiceCancel: InvoiceCancelService;
    users: GibUserDirectory;
  };
  blobs: BlobStore;
  clock: () => Date;
  visuals: InvoiceVisualService;
}

function dateArg(value: string | undefined, field: string): string | null {
  const v = argString(value);
  if (v === null) return null;
  if (!/^\d{4}-\d{2}-\d{2}/.test(v)) throw new GatewayError('REQUEST_FIELD', { field });
  return v.slice(0, 10);
}

/** The WSDL's IncomingInvoice; the KABUL/RED deadline counts from when the invoice reached the inbox. */
function incomingView(v: IncomingInvoiceView, document?: Buffer) {
  return {
    ettn: v.ettn,
    invoiceNumber: v.invoiceNumber,
    profileId: v.profileId,
    typeCode: v.typeCode,
    issueDate: v.issueDate,
    senderVknTckn: v.senderVkn,
    ...(v.senderName ? { senderName: v.senderName } : {}),
    senderAlias: v.senderAlias,
    receiverAlias: v.receiverAlias,
    payableAmount: v.payableAmount,
    currency: v.currency,
    envelopeId: displayEnvelopeId(v.envelopeId),
    state: v.state,
    status: v.status,
    code: v.code,
    description: v.description,
    ...(v.profileId === 'TICARIFATURA' ? { responseDeadline: responseDeadline(new Date(v.receivedAt)).toISOString() } : {}),
    receivedAt: v.receivedAt,
    ...(document ? { document: document.toString('base64') } : {}),
  };
}

function cancelRequestView(v: CancelRequestView) {
  return {
    requestId: v.id,
    senderVknTckn: v.senderVknTckn,
    receiverVknTckn: v.receiverVknTckn,
    ettn: v.ettn,
    invoiceNumber: v.invoiceNumber,
    invoiceDate: v.invoiceDate,
    amount: v.amount,
    currency: v.currency,
    requestedAt: v.requestedAt,
    state: v.state,
    ...(v.decidedAt ? { decidedAt: v.decidedAt } : {}),
  };
}

export function gibOperations(deps: Deps) {
  const { inbox } = deps;
  const incoming = async (caller: Caller, ettn: Ettn | null) => {
    if (!ettn) throw new GatewayError('REQUEST_FIELD', { field: 'ettn' });
    return inbox.getIncoming(caller.tenantId, ettn);
  };

  return {
    SendApplicationResponse: soapOperation('SendApplicationResponse', deps, async (caller, args) => {
      const ettn = argEttn(args.ettn);
      const code = argString(args.response);
      if (!ettn) throw new GatewayError('REQUEST_FIELD', { field: 'ettn' });
      if (code !== 'KABUL' && code !== 'RED') throw new GatewayError('REQUEST_FIELD', { field: 'response (KABUL veya RED)' });
      await deps.gib.applicationResponses.answer(caller, { ettn, code, reason: argString(args.reason) });
      return { invoice: incomingView(await incoming(caller, ettn)) };
    }),

    ListIncomingInvoices: soapOperation('ListIncomingInvoices', deps, async (caller, args) => {
      const to = dateArg(args.to, 'to');
      const from = dateArg(args.from, 'from') ?? new Date(deps.clock().getTime() - TEN_DAYS_MS).toISOString().slice(0, 10);
      // "to" is a whole day: everything received before the next one.
      const toExclusive = to ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString() : null;
      const list = await inbox.listInbox(caller.tenantId, { from, to: toExclusive });
      return { invoice: list.map((v) => incomingView(v)) };
    }),

    GetIncomingInvoice: soapOperation('GetIncomingInvoice', deps, async (caller, args) => {
      const format = argFormat(args.format);
      const view = await incoming(caller, argEttn(args.ettn));
      const ubl = await deps.blobs.get(view.documentSha256);
      const invoice = incomingView(view, ubl);
      if (format === 'UBL') return { invoice };
      const v = await deps.visuals.incomingVisual(view, ubl, format);
      return { invoice, visual: { fileName: v.fileName, contentType: v.contentType, content: v.body.toString('base64') } };
    }),

    CancelInvoice: soapOperation('CancelInvoice', deps, async (caller, args) => {
      const done = await deps.gib.invoiceCancel.cancel(caller, { ettn: argEttn(args.ettn), number: argString(args.invoiceNumber) });
      const invoice = invoiceStatusXml(await deps.invoices.getStatus(caller, { ettn: done.ettn }));
      return done.cancelRequest ? { invoice, cancelRequest: cancelRequestView(done.cancelRequest) } : { invoice };
    }),

    ListCancelRequests: soapOperation('ListCancelRequests', deps, async (caller, args) => {
      const direction = argString(args.direction);
      if (direction !== 'MADE' && direction !== 'RECEIVED') throw new GatewayError('REQUEST_FIELD', { field: 'direction (MADE veya RECEIVED)' });
      const list = await deps.gib.efaturaCancel.list(caller, { direction, from: dateArg(args.from, 'from'), to: dateArg(args.to, 'to') });
      return { cancelRequest: list.map(cancelRequestView) };
    }),

    DecideCancelRequest: soapOperation('DecideCancelRequest', deps, async (caller, args) => {
      const requestId = argString(args.requestId);
      const decision = argString(args.decision);
      if (!requestId) throw new GatewayError('REQUEST_FIELD', { field: 'requestId' });
      if (decision !== 'APPROVE' && decision !== 'REJECT' && decision !== 'DELETE') throw new GatewayError('REQUEST_FIELD', { field: 'decision' });
      return { cancelRequest: cancelRequestView(await deps.gib.efaturaCancel.decide(caller, requestId, decision)) };
    }),

    CheckUser: soapOperation('CheckUser', deps, async (_caller, args) => {
      const vknTckn = argString(args.vknTckn);
      if (!vknTckn || !/^[0-9]{10,11}$/.test(vknTckn)) throw new GatewayError('REQUEST_FIELD', { field: 'vknTckn' });
      const synced = argBool(args.refresh) ? deps.gib.users.sync({ force: true }) : deps.gib.users.ensureSynced();
      await synced.catch((err) => Promise.reject(asGibFault(err)));
      const aliases = await deps.gib.users.aliasesOf(vknTckn);
      const syncedAt = await deps.gib.users.lastSync();
      return {
        vknTckn,
        efaturaUser: aliases.some((a) => a.role === 'PK'),
        ...(aliases[0]?.title ? { title: aliases[0].title } : {}),
        alias: aliases.map((a) => ({ alias: a.alias, role: a.role })),
        ...(syncedAt ? { listSyncedAt: syncedAt } : {}),
      };
    }),
  };
}
