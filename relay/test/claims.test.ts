import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '@certpilot/core';
import { openDatabase, type RelayDb } from '../src/db/database.js';
import { claimJob, dueJobIds, extendClaim, releaseClaim } from '../src/jobs/claims.js';
import { DATABASE_KINDS, freshDatabaseUrl, stopPostgres } from './support/databases.js';

const LEASE_MS = 60_000;

after(stopPostgres);

/** Inserts a user, `count` sites and one due `planned` job per site; returns the job ids. */
async function seedJobs(db: RelayDb, count: number, dueAt = new Date()): Promise<string[]> {
  const time = new Date().toISOString();
  const times = { create_time: time, update_time: time, delete_time: null };
  const userId = randomUUID();
  await db
    .insertInto('users')
    .values({
      id: userId,
      account: `claims-${userId}`,
      name: 'Ops',
      password_hash: 'x',
      mobile: null,
      email: null,
      status: 'active',
      ...times,
    })
    .execute();
  const jobIds: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const siteId = randomUUID();
    const jobId = randomUUID();
    await db
      .insertInto('user_sites')
      .values({
        id: siteId,
        user_id: userId,
        origin: 'qiniu-cdn',
        domain: `s${index}.example.test`,
        credential_id: null,
        config: '{}',
        status: 'active',
        ...times,
      })
      .execute();
    await db
      .insertInto('renewal_jobs')
      .values({
        id: jobId,
        user_id: userId,
        site_id: siteId,
        state: 'planned',
        record: '{}',
        next_run_at: dueAt.toISOString(),
        claimed_by: null,
        claimed_until: null,
        last_error: null,
        create_time: time,
        update_time: time,
      })
      .execute();
    jobIds.push(jobId);
  }
  return jobIds;
}

/** Runs due jobs the way the scheduler does until none is left: list, claim, run, finish, release. */
async function drain(db: RelayDb, owner: string, runs: Map<string, string[]>): Promise<void> {
  for (;;) {
    const now = new Date();
    const ids = await dueJobIds(db, now, 4);
    if (ids.length === 0) return;
    for (const id of ids) {
      if (!(await claimJob(db, id, owner, now, LEASE_MS))) continue;
      runs.set(id, [...(runs.get(id) ?? []), owner]);
      await sleep(Math.random() * 5);
      await db.updateTable('renewal_jobs').set({ state: 'done' }).where('id', '=', id).execute();
      await releaseClaim(db, id, owner);
    }
  }
}

for (const kind of DATABASE_KINDS) {
  describe(`job claims on ${kind}`, () => {
    let dir: string;
    let relays: RelayDb[];

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'certpilot-claims-'));
      const url = await freshDatabaseUrl(kind, dir);
      // Both relays start at once, so both run the migrations against the same empty database.
      relays = await Promise.all([openDatabase(url, silentLogger()), openDatabase(url, silentLogger())]);
    });

    after(async () => {
      await Promise.all((relays ?? []).map((db) => db.destroy()));
      await rm(dir, { recursive: true, force: true });
    });

    test('two racing relays run each job once', async () => {
      const [first, second] = relays as [RelayDb, RelayDb];
      const jobIds = await seedJobs(first, 40);
      const runs = new Map<string, string[]>();

      // Two workers per relay, each relay with its own owner id, as two scheduler processes.
      await Promise.all([
        drain(first, 'relay-a', runs),
        drain(first, 'relay-a', runs),
        drain(second, 'relay-b', runs),
        drain(second, 'relay-b', runs),
      ]);

      for (const id of jobIds)
        assert.equal(runs.get(id)?.length, 1, `job ${id} ran ${runs.get(id)?.length ?? 0} times`);
      const left = await first
        .selectFrom('renewal_jobs')
        .select('id')
        .where('id', 'in', jobIds)
        .where('state', '!=', 'done')
        .execute();
      assert.deepEqual(left, []);
    });

    test('concurrent claims of one job give it to one relay', async () => {
      const [first, second] = relays as [RelayDb, RelayDb];
      for (const id of await seedJobs(first, 5)) {
        const now = new Date();
        const attempts = Array.from({ length: 16 }, (_, index) =>
          claimJob(index % 2 === 0 ? first : second, id, `relay-${index % 2}-${index}`, now, LEASE_MS),
        );

        const won = (await Promise.all(attempts)).filter(Boolean);

        assert.equal(won.length, 1, `job ${id} was claimed ${won.length} times`);
      }
    });

    test('an expired claim passes to the other relay', async () => {
      const [first, second] = relays as [RelayDb, RelayDb];
      const [id] = await seedJobs(first, 1);
      assert.ok(id);
      const start = new Date();
      assert.equal(await claimJob(first, id, 'relay-a', start, 1_000), true);
      assert.equal(await claimJob(second, id, 'relay-b', new Date(start.getTime() + 500), LEASE_MS), false);

      const later = new Date(start.getTime() + 2_000);
      assert.equal(await claimJob(second, id, 'relay-b', later, LEASE_MS), true);

      assert.equal(await extendClaim(first, id, 'relay-a', new Date(later.getTime() + LEASE_MS)), false);
      assert.equal(await extendClaim(second, id, 'relay-b', new Date(later.getTime() + LEASE_MS)), true);
    });

    test('a released job waits for its next run', async () => {
      const [first, second] = relays as [RelayDb, RelayDb];
      const [id] = await seedJobs(first, 1);
      assert.ok(id);
      const now = new Date();
      assert.equal(await claimJob(first, id, 'relay-a', now, LEASE_MS), true);
      await releaseClaim(first, id, 'relay-a', new Date(now.getTime() + 60_000).toISOString());

      // The other relay listed the job before the release; its claim must still fail.
      assert.equal(await claimJob(second, id, 'relay-b', now, LEASE_MS), false);
      assert.deepEqual(await dueJobIds(second, now, 10), []);
    });
  });
}
