import type { Knex } from 'knex';
import * as m001 from './001_core';

export interface Migration {
  name: string;
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

/** In order. Never edit a migration that has shipped; add a new one. */
export const migrations: Migration[] = [{ name: '001_core', ...m001 }];
