import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isCertPilotError } from '../../src/errors.js';
import { createSealer } from '../../src/security/seal.js';
import { decodeSealingKey, DEFAULT_SEALING_KEY_ENV, loadSealingKey } from '../../src/security/sealing-key.js';

let folder = '';
let fileCount = 0;

before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'certpilot-sealing-key-'));
});

after(async () => {
  await rm(folder, { recursive: true, force: true });
});

function newPath(): string {
  return join(folder, `key-${++fileCount}`);
}

async function writeKeyFile(content: Buffer | string, mode = 0o600): Promise<string> {
  const path = newPath();
  await writeFile(path, content);
  await chmod(path, mode);
  return path;
}

test('loadSealingKey reads the environment variable', async () => {
  const key = randomBytes(32);
  for (const text of [
    key.toString('hex'),
    key.toString('hex').toUpperCase(),
    key.toString('base64'),
    key.toString('base64url'),
    ` ${key.toString('base64')}\n`,
  ]) {
    const loaded = await loadSealingKey({ env: 'SEAL_KEY', environment: { SEAL_KEY: text } });
    assert.deepEqual(loaded.key, key, text);
    assert.equal(loaded.source, 'env');
    assert.equal(loaded.created, false);
  }
});

test('loadSealingKey reads CERTPILOT_SEALING_KEY by default', async () => {
  const key = randomBytes(32);
  const loaded = await loadSealingKey({ environment: { [DEFAULT_SEALING_KEY_ENV]: key.toString('base64') } });
  assert.deepEqual(loaded.key, key);
});

test('loadSealingKey rejects a bad environment key', async () => {
  const bad = [
    randomBytes(16).toString('base64'),
    randomBytes(33).toString('hex'),
    'not a key',
    'z'.repeat(64),
    randomBytes(32).toString('hex').slice(1),
  ];
  for (const text of bad) {
    await assert.rejects(
      loadSealingKey({ env: 'SEAL_KEY', environment: { SEAL_KEY: text }, file: newPath() }),
      (error: unknown) =>
        isCertPilotError(error, 'SEAL_KEY_INVALID') &&
        error.params.variant === 'env' &&
        error.params.name === 'SEAL_KEY' &&
        !error.message.includes(text),
      text,
    );
  }
});

test('loadSealingKey prefers the environment to the file', async () => {
  const key = randomBytes(32);
  const path = newPath();
  const loaded = await loadSealingKey({ file: path, environment: { [DEFAULT_SEALING_KEY_ENV]: key.toString('hex') } });
  assert.deepEqual(loaded.key, key);
  await assert.rejects(stat(path), { code: 'ENOENT' });
});

test('loadSealingKey without env or file fails', async () => {
  for (const environment of [{}, { [DEFAULT_SEALING_KEY_ENV]: '' }, { [DEFAULT_SEALING_KEY_ENV]: '  ' }]) {
    await assert.rejects(
      loadSealingKey({ environment }),
      (error: unknown) =>
        isCertPilotError(error, 'SEAL_KEY_INVALID') &&
        error.params.variant === 'missing' &&
        error.params.name === DEFAULT_SEALING_KEY_ENV,
    );
  }
});

test('loadSealingKey creates a missing key file', async () => {
  const path = join(folder, 'new-folder', 'deeper', 'sealing.key');
  const created = await loadSealingKey({ file: path, environment: {} });
  assert.equal(created.created, true);
  assert.equal(created.source, 'file');
  assert.equal(created.key.length, 32);
  assert.deepEqual(await readFile(path), created.key);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal((await stat(join(folder, 'new-folder'))).mode & 0o777, 0o700);
  assert.deepEqual(await readdir(join(folder, 'new-folder', 'deeper')), ['sealing.key']);

  const again = await loadSealingKey({ file: path, environment: {} });
  assert.equal(again.created, false);
  assert.deepEqual(again.key, created.key);
});

test('loadSealingKey creates one key under races', async () => {
  const path = join(folder, 'race', 'sealing.key');
  const loads = await Promise.all(Array.from({ length: 8 }, () => loadSealingKey({ file: path, environment: {} })));
  assert.equal(loads.filter((load) => load.created).length, 1);
  for (const load of loads) assert.deepEqual(load.key, loads[0]!.key);
  assert.deepEqual(await readdir(join(folder, 'race')), ['sealing.key']);
});

test('loadSealingKey reads raw and text key files', async () => {
  const key = randomBytes(32);
  for (const content of [key, `${key.toString('base64')}\n`, `${key.toString('hex')}\r\n`, key.toString('base64url')]) {
    const path = await writeKeyFile(content);
    const loaded = await loadSealingKey({ file: path, environment: {} });
    assert.deepEqual(loaded.key, key, String(content));
    assert.equal(loaded.created, false);
  }
});

test('loadSealingKey rejects keys of other sizes', async () => {
  for (const content of [
    Buffer.alloc(0),
    randomBytes(31),
    randomBytes(33),
    randomBytes(16).toString('base64'),
    'not a key\n',
  ]) {
    const path = await writeKeyFile(content);
    await assert.rejects(
      loadSealingKey({ file: path, environment: {} }),
      (error: unknown) =>
        isCertPilotError(error, 'SEAL_KEY_INVALID') && error.params.variant === 'file' && error.params.path === path,
      String(content.length),
    );
  }
});

test('loadSealingKey rejects a key file others can read', async () => {
  for (const mode of [0o644, 0o640, 0o604, 0o660, 0o606, 0o610, 0o601, 0o777]) {
    const path = await writeKeyFile(randomBytes(32), mode);
    const expectedMode = `0${mode.toString(8)}`;
    await assert.rejects(
      loadSealingKey({ file: path, environment: {} }),
      (error: unknown) =>
        isCertPilotError(error, 'SEAL_KEY_FILE_INSECURE') &&
        error.params.path === path &&
        error.params.mode === expectedMode &&
        error.message.includes(`chmod 600 ${path}`),
      expectedMode,
    );
  }
});

test('loadSealingKey accepts owner-only modes', async () => {
  for (const mode of [0o600, 0o400, 0o700]) {
    const key = randomBytes(32);
    const path = await writeKeyFile(key, mode);
    assert.deepEqual((await loadSealingKey({ file: path, environment: {} })).key, key, mode.toString(8));
  }
});

test('loadSealingKey reports a folder in place of the file', async () => {
  const path = newPath();
  await mkdir(path, { mode: 0o700 });
  await assert.rejects(
    loadSealingKey({ file: path, environment: {} }),
    (error: unknown) => isCertPilotError(error, 'FILE_IO_FAILED') && error.params.path === path,
  );
});

test('loadSealingKey reports a parent that is a file', async () => {
  const parent = await writeKeyFile('plain file');
  const path = join(parent, 'sealing.key');
  await assert.rejects(
    loadSealingKey({ file: path, environment: {} }),
    (error: unknown) => isCertPilotError(error, 'FILE_IO_FAILED') && error.params.path === path,
  );
});

test('loaded key seals and opens', async () => {
  const path = newPath();
  const sealed = createSealer((await loadSealingKey({ file: path, environment: {} })).key).seal('secret', 'id-1');
  const reopened = createSealer((await loadSealingKey({ file: path, environment: {} })).key);
  assert.equal(reopened.open(sealed, 'id-1'), 'secret');
});

test('decodeSealingKey rejects padding tricks', () => {
  assert.equal(decodeSealingKey('=' + randomBytes(32).toString('base64')), undefined);
  assert.equal(decodeSealingKey(randomBytes(32).toString('base64') + '='), undefined);
  assert.equal(decodeSealingKey(''), undefined);
});
