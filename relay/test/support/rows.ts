/** Reading whole tables of a test relay's database, SQLite or PostgreSQL, to prove what changed. */
import { queryRows } from './databases.js';

/** Names of the relay's tables, sorted; only those with column `column` when given. */
export async function tableNames(url: string, column?: string): Promise<string[]> {
  const rows = url.startsWith('sqlite://')
    ? await queryRows<{ name: string }>(
        url,
        column === undefined
          ? "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"
          : "select m.name from sqlite_master m join pragma_table_info(m.name) c where m.type = 'table' and c.name = ?",
        ...(column === undefined ? [] : [column]),
      )
    : await queryRows<{ name: string }>(
        url,
        column === undefined
          ? "select table_name as name from information_schema.tables where table_schema = 'public'"
          : "select table_name as name from information_schema.columns where table_schema = 'public' and column_name = ?",
        ...(column === undefined ? [] : [column]),
      );
  return rows.map((row) => row.name).sort();
}

/** Row counts of every table, in one query (each query opens a connection on PostgreSQL). */
export async function rowCounts(url: string): Promise<Record<string, number>> {
  const names = await tableNames(url);
  const union = names.map((name) => `select '${name}' as name, count(*) as n from "${name}"`).join(' union all ');
  const rows = await queryRows<{ name: string; n: number }>(url, union);
  return Object.fromEntries(rows.map((row) => [row.name, Number(row.n)]));
}

/** Reads every row of `table` whose `column` equals `value`, in a stable order, as JSON text. */
export async function rowsWhere(url: string, table: string, column: string, value: string): Promise<string> {
  const rows = await queryRows<Record<string, unknown>>(url, `select * from "${table}" where "${column}" = ?`, value);
  return JSON.stringify(rows.map((row) => JSON.stringify(row)).sort());
}
