import type { Knex } from 'knex';
import * as m001 from './001_core';
import * as m002 from './002_gib';
import * as m003 from './003_job_wakeup';
import * as m004 from './004_blobs';
import * as m005 from './005_arithmetic_policy';
import * as m006 from './006_outgoing_list';
import * as m007 from './007_outgoing_list_orders';
import * as m008 from './008_ledgers';
import * as m009 from './009_ledger_archive';
import * as m010 from './010_activation';
import * as m011 from './011_elogo';
import * as m012 from './012_portal';
import * as m013 from './013_invoice_mail';
import * as m014 from './014_inbox_list';

export interface Migration {
  name: string;
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

/** In order. Never edit a migration that has shipped; add a new one. */
export const migrations: Migration[] = [
  { name: '001_core', ...m001 },
  { name: '002_gib', ...m002 },
  { name: '003_job_wakeup', ...m003 },
  { name: '004_blobs', ...m004 },
  { name: '005_arithmetic_policy', ...m005 },
  { name: '006_outgoing_list', ...m006 },
  { name: '007_outgoing_list_orders', ...m007 },
  { name: '008_ledgers', ...m008 },
  { name: '009_ledger_archive', ...m009 },
  { name: '010_activation', ...m010 },
  { name: '011_elogo', ...m011 },
  { name: '012_portal', ...m012 },
  { name: '013_invoice_mail', ...m013 },
  { name: '014_inbox_list', ...m014 },
];
