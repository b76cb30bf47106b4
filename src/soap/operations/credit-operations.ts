/**
 * Kontör (issue 14): OrderServices (services and credits ordered, paid by card at once or by wire transfer once the
 * operator confirms it) and GetCreditBalance (the seed's "Kalan: 21.957,81 Ekst. Limit: -2.200", the last movements
 * and the price list). Thin handlers over the credit service (src/activation/credits.ts).
 */
import type { CreditBalanceView, CreditService, OrderView, PaymentMethod } from '../../activation/credits';
import { SERVICES, SERVICE_CODES } from '../../activation/catalogue';
import { BILLABLE_DOCUMENTS } from '../../activation/prices';
import { GatewayError } from '../../faults';
import { argString, soapOperation, type OperationDeps } from '../operation';
import { el } from './invoice-status';

function orderXml(o: OrderView): { $xml: string } {
  return {
    $xml:
      el('id', o.id) + el('state', o.state) + el('stateDescription', o.stateDescription) + el('paymentMethod', o.paymentMethod) +
      o.services.map((s) => `<tns:service>${el('service', s.service) + el('name', s.name) + el('priceKurus', s.priceKurus) + el('state', s.state) + el('stateDescription', s.stateDescription)}</tns:service>`).join('') +
      el('creditsKurus', o.creditsKurus) + el('totalKurus', o.totalKurus) + el('total', o.total) + el('createdAt', o.createdAt) + el('paidAt', o.paidAt) + el('confirmedBy', o.confirmedBy) +
      el('message', o.message),
  };
}

function balanceXml(b: CreditBalanceView): Record<string, { $xml: string } | string | boolean | Array<{ $xml: string }>> {
  return {
    metered: b.metered,
    balanceKurus: String(b.balanceKurus),
    limitKurus: String(b.limitKurus),
    balance: b.balance,
    limit: b.limit,
    summary: b.summary,
    movement: b.movements.map((m) => ({
      $xml: el('kind', m.kind) + el('ref', m.ref) + el('amountKurus', m.amountKurus) + el('balanceAfterKurus', m.balanceAfterKurus) + el('description', m.description) + el('actor', m.actor) + el('at', m.at),
    })),
  };
}

/** A whole number of kuruş, or absent (0). */
function kurus(value: string | undefined, field: string): number {
  const v = argString(value);
  if (v === null) return 0;
  if (!/^[0-9]{1,15}$/.test(v)) throw new GatewayError('REQUEST_FIELD', { field });
  return Number(v);
}

export function creditOperations(deps: OperationDeps & { credits: CreditService }) {
  const { credits } = deps;
  return {
    OrderServices: soapOperation('OrderServices', deps, async (caller, args) => {
      // A repeated field's values arrive one per line.
      const services = (args.service ?? '').split('\n').map((s) => s.trim()).filter(Boolean);
      const method = argString(args.paymentMethod)?.toUpperCase() ?? '';
      if (method !== 'CARD' && method !== 'WIRE') throw new GatewayError('REQUEST_FIELD', { field: 'paymentMethod (CARD veya WIRE)' });
      const order = await credits.order(caller.tenantId, { services, creditsKurus: kurus(args.creditsKurus, 'creditsKurus'), paymentMethod: method as PaymentMethod, actor: `user:${caller.username}` });
      return { order: orderXml(order) };
    }),

    GetCreditBalance: soapOperation('GetCreditBalance', deps, async (caller, args) => {
      const count = argString(args.movements) === null ? 20 : kurus(args.movements, 'movements (0–500)');
      if (count > 500) throw new GatewayError('REQUEST_FIELD', { field: 'movements (0–500)' });
      const b = await credits.balance(caller.tenantId, count);
      const { prices } = credits;
      return {
        ...balanceXml(b),
        price: [
          ...SERVICE_CODES.map((code) => ({ $xml: el('item', code) + el('name', SERVICES[code].name) + el('kind', 'SERVICE') + el('priceKurus', prices.services[code]) })),
          ...BILLABLE_DOCUMENTS.map((d) => ({ $xml: el('item', d) + el('name', DOCUMENT_LABELS[d]) + el('kind', 'DOCUMENT') + el('priceKurus', prices.documents[d]) })),
        ],
      };
    }),
  };
}

const DOCUMENT_LABELS = { EFATURA: 'e-Fatura (belge başına)', EARSIV: 'e-Arşiv fatura (belge başına)', LEDGER_MONTH: 'e-Defter (ay başına)' } as const;
