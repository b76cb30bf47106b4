import { indexMigration } from './index-set';

/**
 * ListOutgoingInvoices (src/services/outgoing-invoices.service.ts) pages a tenant's invoices newest first by creation
 * time or by issue date, optionally for one receiver or in one state, and must answer in well under 100 ms with a
 * million rows (bench/outgoing-list.bench.ts). Each index serves one of those orders: the page is read in index order
 * and stops at its size, with no sort. A number prefix uses the unique (tenant_id, invoice_number) index of 001.
 */
const INDEXES: Array<{ name: string; columns: string[] }> = [
  { name: 'invoices_tenant_created', columns: ['tenant_id', 'created_at', 'id'] },
  { name: 'invoices_tenant_issued', columns: ['tenant_id', 'issue_date', 'id'] },
  { name: 'invoices_tenant_receiver_created', columns: ['tenant_id', 'receiver_id', 'created_at', 'id'] },
  { name: 'invoices_tenant_state_created', columns: ['tenant_id', 'state', 'created_at', 'id'] },
];

export const { up, down } = indexMigration('invoices', INDEXES);
