import { indexMigration } from './index-set';

/**
 * The outgoing list (src/db/invoices.ts listInvoices) reads a page in the order asked — by creation, by issue date or,
 * for a number series, by number — from an index that starts with the filter it narrows by: the tenant alone, a state
 * (one branch per state of a portal tab) or a receiver. 006 gave each filter the creation order; these give it the
 * other two, so that no combination sorts what it matched (with a million invoices, a tab by issue date sorted 15,000
 * rows per state: 185 ms on SQLite; a series within a tab, 75 ms). Each is ≈ 30–55 MB per million invoices, against
 * ≈ 450 MB for the rows and far more for the documents.
 */
const INDEXES: Array<{ name: string; columns: string[] }> = [
  { name: 'invoices_tenant_state_issued', columns: ['tenant_id', 'state', 'issue_date', 'id'] },
  { name: 'invoices_tenant_state_number', columns: ['tenant_id', 'state', 'invoice_number', 'id'] },
  { name: 'invoices_tenant_receiver_issued', columns: ['tenant_id', 'receiver_id', 'issue_date', 'id'] },
  { name: 'invoices_tenant_receiver_number', columns: ['tenant_id', 'receiver_id', 'invoice_number', 'id'] },
];

export const { up, down } = indexMigration('invoices', INDEXES);
