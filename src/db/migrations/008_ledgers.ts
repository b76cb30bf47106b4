import type { Knex } from 'knex';

/**
 * e-Defter (issue 12). A month's source as it arrived (ledger_sources: "Dosya Sorgula"), the month's two books, each
 * driven by the ledger-book machine (ledger_books), the files the steps produce (ledger_files: the books' parts, their
 * berats, GİB's approved berats), the yearly control-number sequence per book, and each tenant's ledger settings
 * (the company and accountant details GİB's XBRL-GL header carries). Files themselves are in the ledger store on
 * disk (they may be a gigabyte); rows name them with their size and SHA-256.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('ledger_sources', (t) => {
    t.increments('id').primary();
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.string('file_name', 255).notNullable();
    t.string('period', 7).notNullable(); // YYYY-MM
    t.string('period_start', 10).notNullable();
    t.string('period_end', 10).notNullable();
    t.string('format', 10).notNullable(); // CSV | XBRL
    t.text('options').notNullable().defaultTo('{}'); // CSV: delimiter, header
    t.bigInteger('size_bytes').notNullable();
    t.string('path', 500).notNullable(); // in the ledger store
    t.string('sha256', 64).notNullable();
    t.string('received_via', 10).notNullable(); // SOAP | SFTP
    t.string('received_at', 30).notNullable();
    t.string('deleted_at', 30);
    t.index(['tenant_id', 'period']);
  });
  await db.schema.createTable('ledger_books', (t) => {
    t.increments('id').primary();
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.string('machine', 40).notNullable();
    t.string('state', 40).notNullable();
    t.integer('version').notNullable().defaultTo(1);
    t.text('context').notNullable().defaultTo('{}');
    t.string('period', 7).notNullable();
    t.string('book', 1).notNullable(); // Y (Yevmiye) | K (Büyük Defter, Kebir)
    t.integer('source_id').references('ledger_sources.id');
    t.integer('control_seq'); // the YEV/KEB number of the year, taken at the first Dosya Oluştur and kept
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['tenant_id', 'period', 'book']);
  });
  await db.schema.createTable('ledger_files', (t) => {
    t.increments('id').primary();
    t.integer('book_id').notNullable().references('ledger_books.id');
    t.string('kind', 12).notNullable(); // LEDGER | BERAT | GIB_BERAT
    t.integer('part').notNullable(); // 0 when the book is one file; 1, 2, … when split
    t.string('file_name', 255).notNullable(); // GİB's name, e.g. 1234567801-202601-Y-000000.xml
    t.string('control_number', 20); // YEV/KEB + YYYYMM + 6 digits (a book's part)
    t.string('path', 500).notNullable();
    t.bigInteger('size_bytes').notNullable();
    t.string('sha256', 64).notNullable();
    t.boolean('signed').notNullable();
    t.text('facts').notNullable().defaultTo('{}'); // what the berat needs: digest, SignatureValue, counts, totals
    t.string('created_at', 30).notNullable();
    t.unique(['book_id', 'kind', 'part']);
  });
  await db.schema.createTable('ledger_counters', (t) => {
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.integer('year').notNullable();
    t.string('book', 1).notNullable();
    t.integer('last').notNullable();
    t.primary(['tenant_id', 'year', 'book']);
  });
  await db.schema.createTable('ledger_settings', (t) => {
    t.integer('tenant_id').primary().references('tenants.id');
    t.text('settings').notNullable(); // JSON: LedgerCompany without vkn/title
    t.string('updated_at', 30).notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of ['ledger_settings', 'ledger_counters', 'ledger_files', 'ledger_books', 'ledger_sources']) {
    await db.schema.dropTableIfExists(table);
  }
}
