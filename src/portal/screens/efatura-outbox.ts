/**
 * e-Fatura Giden Kutusu: the e-Fatura invoices the company sent, with their status, code and description, their
 * envelope and the last change; filters, orders and keyset pages of the outgoing list service; the CSV export; and
 * each invoice's page (src/portal/screens/invoice-detail.ts).
 */
import { html } from '../html';
import { errorBox, exportLink, filterForm, invoiceTable, loadOutbox, outboxExport, pager, PORTAL_PREFIX } from '../list';
import type { PortalScreen } from '../router';
import { registerOutgoingDetail } from './invoice-detail';

const PATH = '/e-fatura/giden';
const BASE = `${PORTAL_PREFIX}${PATH}`;
const TITLE = 'e-Fatura Giden Kutusu';

export const efaturaOutboxScreen: PortalScreen = (r) => {
  r.get(PATH, async (ctx) => {
    const page = await loadOutbox(ctx, 'EFATURA');
    const body = html`${filterForm(BASE, page.params, 'EFATURA')}${errorBox(page.error)}
<div class="actions">${exportLink(BASE, page.params)}</div>
${invoiceTable(BASE, 'EFATURA', page.invoices)}
${pager(BASE, page.params, page.invoices.length, page.next)}`;
    await ctx.render({ title: TITLE, menu: 'efatura-giden', body }, page.error ? 400 : 200);
  });

  // Before the invoice's page: "excel" is not an ETTN.
  r.get(`${PATH}/excel`, (ctx) => outboxExport(ctx, 'EFATURA', 'e-fatura-giden'));

  registerOutgoingDetail(r, { path: PATH, kind: 'EFATURA', menu: 'efatura-giden', listTitle: TITLE });
};
