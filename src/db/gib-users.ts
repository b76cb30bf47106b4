/**
 * GİB's user list as last synced (`gib_users`: e-Fatura registered users and their GB/PK aliases, replaced as a
 * whole on each sync) and `gateway_state`, small named facts that must survive restarts.
 */
import { dbClient, reading, type Queryable } from './connect';
import { selectAll } from './sql';

export interface GibUserAlias {
  vknTckn: string;
  alias: string;
  role: 'GB' | 'PK';
  title: string;
  documentType: string;
  firstCreationTime: string | null;
}

/**
 * Replaces the list (duplicates of VKN + alias + role keep their first) and records when, in one transaction.
 * PostgreSQL: two gateways syncing at once would each delete the rows they see and insert the list, and the second
 * insert would collide with the first's rows (its delete cannot see them); a table lock that conflicts only with
 * itself (readers go on) makes the second sync wait for the first and then replace its rows.
 */
export async function replaceGibUsers(q: Queryable, aliases: readonly GibUserAlias[], syncedAt: string, stateName: string): Promise<number> {
  const seen = new Set<string>();
  const rows = [];
  for (const a of aliases) {
    const key = `${a.vknTckn} ${a.alias} ${a.role}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push({
      vkn_tckn: a.vknTckn,
      alias: a.alias,
      role: a.role,
      title: a.title.slice(0, 250),
      document_type: a.documentType,
      first_creation_time: a.firstCreationTime,
      synced_at: syncedAt,
    });
  }
  if (dbClient(q) === 'postgres') await q.raw('lock table gib_users in share row exclusive mode');
  await q('gib_users').delete();
  for (let i = 0; i < rows.length; i += 200) await q('gib_users').insert(rows.slice(i, i + 200));
  await setGatewayState(q, stateName, syncedAt, syncedAt);
  return rows.length;
}

/** A registered user's aliases of one role, in alias order. */
export async function aliasesOfRole(q: Queryable, vknTckn: string, role: 'GB' | 'PK'): Promise<string[]> {
  return (await selectAll(q, 'select alias from gib_users where vkn_tckn = ? and role = ? order by alias', [vknTckn, role])).map((r) => String(r.alias));
}

export async function aliasesOf(q: Queryable, vknTckn: string): Promise<Array<{ alias: string; role: string; title: string | null; firstCreationTime: string | null }>> {
  const rows = await reading(q)('gib_users').where({ vkn_tckn: vknTckn }).orderBy(['role', 'alias']).select('alias', 'role', 'title', 'first_creation_time');
  return rows.map((r) => ({ alias: String(r.alias), role: String(r.role), title: (r.title as string | null) ?? null, firstCreationTime: (r.first_creation_time as string | null) ?? null }));
}

/** The whole list as last synced, by VKN/TCKN and alias. */
export async function allGibUsers(q: Queryable): Promise<GibUserAlias[]> {
  const rows = await reading(q)('gib_users').orderBy(['vkn_tckn', 'role', 'alias']);
  return rows.map((r) => ({
    vknTckn: String(r.vkn_tckn),
    alias: String(r.alias),
    role: r.role === 'GB' ? 'GB' : 'PK',
    title: String(r.title ?? ''),
    documentType: String(r.document_type ?? 'Invoice'),
    firstCreationTime: (r.first_creation_time as string | null) ?? null,
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// gateway_state

export async function gatewayState(q: Queryable, name: string): Promise<string | null> {
  const row = await reading(q)('gateway_state').where({ name }).first('value');
  return row ? String(row.value) : null;
}

export async function setGatewayState(q: Queryable, name: string, value: string, at: string): Promise<void> {
  await q('gateway_state').insert({ name, value, updated_at: at }).onConflict('name').merge();
}
