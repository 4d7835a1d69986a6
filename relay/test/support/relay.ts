import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@certpilot/core';
import { startRelay, type RunningRelay } from '../../src/server.js';
import { databaseUrlFor } from './databases.js';

export interface TestRelay {
  dataDir: string;
  /** `sqlite://<dataDir>/relay.db`, or a PostgreSQL database of its own (see `databases.ts`). */
  databaseUrl: string;
  relay: RunningRelay;
  /** Calls the API at `/api/v1<path>` with a JSON body and an optional bearer token. */
  api(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface CallOptions {
  body?: unknown;
  token?: string;
  lang?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever the API sent
  json: any;
}

/**
 * Starts a real relay on 127.0.0.1, port 0, over a fresh data directory. The database is
 * `startOptions.databaseUrl`, or else the one `databaseUrlFor` gives the data directory.
 */
export async function startTestRelay(
  dataDir?: string,
  startOptions: { databaseUrl?: string } = {},
): Promise<TestRelay> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'certpilot-relay-')));
  const databaseUrl = startOptions.databaseUrl ?? (await databaseUrlFor(dir));
  const options = {
    port: 0,
    host: '127.0.0.1',
    databaseUrl,
    sealingKeyFile: join(dir, 'sealing.key'),
    logger: silentLogger(),
    // These tests renew nothing; with the scheduler off, no ACME default can point anywhere.
    scheduler: false as const,
  };
  let relay = await startRelay(options);
  const handle: TestRelay = {
    dataDir: dir,
    databaseUrl,
    get relay() {
      return relay;
    },
    api: (method, path, call = {}) => callApi(relay.url, method, path, call),
    async restart() {
      await relay.close();
      relay = await startRelay(options);
    },
    async stop() {
      await relay.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** Calls the API of the relay at `base`, as `TestRelay.api` does. */
export async function callApi(base: string, method: string, path: string, call: CallOptions): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.body !== undefined) headers['Content-Type'] ??= 'application/json';
  if (call.token !== undefined) headers.Authorization = `Bearer ${call.token}`;
  if (call.lang !== undefined) headers['Accept-Language'] = call.lang;
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers,
    body: call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === '' ? undefined : JSON.parse(text) };
}

let counter = 0;

/** Registers a fresh user and logs in, returning the account and its bearer token. */
export async function newUser(
  relay: TestRelay,
  prefix = 'user',
): Promise<{ account: string; token: string; id: string }> {
  counter += 1;
  const account = `${prefix}${counter}_${process.pid}`;
  const password = 'Correct-horse-42';
  const registered = await relay.api('POST', '/auth/register', {
    body: { account, name: `Tester ${counter}`, password },
  });
  if (registered.status !== 201) throw new Error(`register failed: ${JSON.stringify(registered.json)}`);
  const login = await relay.api('POST', '/auth/login', { body: { account, password } });
  if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.json)}`);
  return { account, token: login.json.token, id: login.json.user.id };
}

/** Creates a row with `POST path` as the user of `token` and returns its id, failing on any status but 201. */
export async function createdId(relay: TestRelay, token: string, path: string, body: unknown): Promise<string> {
  const response = await relay.api('POST', path, { token, body });
  if (response.status !== 201) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.json)}`);
  // Create answers wrap the row in one key, such as { site: {...} } or { credential: {...} }.
  return (Object.values(response.json)[0] as { id: string }).id;
}
