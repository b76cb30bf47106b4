import { indexMigration } from './index-set';

/**
 * The portal's Gelen Kutusu (issue 16) pages a tenant's inbox newest first by when each invoice arrived, optionally
 * for one sender, in one state or one scenario, or finds an invoice number — and a tenant may hold millions of
 * incoming invoices. As for the outgoing list (006), each index serves one of those filters in the page's order, so a
 * page is read in index order and stops at its size, with no sort. (tenant_id, created_at, id) also serves SOAP's
 * ListIncomingInvoices, which reads a date range oldest first.
 */
const INDEXES: Array<{ name: string; columns: string[] }> = [
  { name: 'incoming_tenant_created', columns: ['tenant_id', 'created_at', 'id'] },
  { name: 'incoming_tenant_sender_created', columns: ['tenant_id', 'sender_vkn', 'created_at', 'id'] },
  { name: 'incoming_tenant_state_created', columns: ['tenant_id', 'state', 'created_at', 'id'] },
  { name: 'incoming_tenant_profile_created', columns: ['tenant_id', 'profile_id', 'created_at', 'id'] },
  { name: 'incoming_tenant_number', columns: ['tenant_id', 'invoice_number'] },
];

export const { up, down } = indexMigration('incoming_invoices', INDEXES);
