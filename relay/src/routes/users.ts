import { CertPilotError } from '@certpilot/core';
import type { Selectable } from 'kysely';
import type { RelayDb } from '../db/database.js';
import type { UsersTable } from '../db/schema.js';

export type UserRow = Selectable<UsersTable>;

export interface NewUser {
  id: string;
  account: string;
  name: string;
  passwordHash: string;
  mobile?: string | undefined;
  email?: string | undefined;
}

/** The fields of a user that the API shows; never the password hash. */
export function publicUser(user: UserRow) {
  return {
    id: user.id,
    account: user.account,
    name: user.name,
    mobile: user.mobile,
    email: user.email,
    status: user.status,
    createTime: user.create_time,
  };
}

export async function findUser(db: RelayDb, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).where('delete_time', 'is', null).executeTakeFirst();
}

/**
 * Inserts a user.
 *
 * @throws CertPilotError `ACCOUNT_EXISTS` when the account is taken, by a deleted user too.
 */
export async function insertUser(db: RelayDb, user: NewUser): Promise<UserRow> {
  const now = new Date().toISOString();
  const row: UserRow = {
    id: user.id,
    account: user.account,
    name: user.name,
    password_hash: user.passwordHash,
    mobile: user.mobile ?? null,
    email: user.email ?? null,
    status: 'active',
    create_time: now,
    update_time: now,
    delete_time: null,
  };
  const inserted = await db
    .insertInto('users')
    .values(row)
    .onConflict((conflict) => conflict.column('account').doNothing())
    .executeTakeFirst();
  if (inserted.numInsertedOrUpdatedRows === 0n) {
    throw new CertPilotError('ACCOUNT_EXISTS', `Account ${user.account} is already registered`, {
      params: { account: user.account },
    });
  }
  return row;
}
