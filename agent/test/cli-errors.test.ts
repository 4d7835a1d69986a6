import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runAgent } from './support/scenario.js';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'certpilot-cli-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function configFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

test('invalid JSON names the file and position', async () => {
  const path = await configFile('broken.json', '{"acme": {');
  const run = await runAgent(['scan', '--config', path]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, new RegExp(`${path} is not valid JSON`));
  assert.match(run.stderr, /CONFIG_INVALID/);
});

test('invalid settings list each field', async () => {
  const path = await configFile(
    'fields.json',
    JSON.stringify({
      acme: { http01Port: 70000, directoryUrl: 'ftp://ca.test/dir' },
      stateDir: 'relative/dir',
      unknownKey: 1,
    }),
  );
  const run = await runAgent(['scan', '--config', path]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /acme\.http01Port/);
  assert.match(run.stderr, /acme\.directoryUrl/);
  assert.match(run.stderr, /stateDir: must be an absolute path/);
  assert.match(run.stderr, /unknownKey/);
});

test('missing nginx binary is named', async () => {
  const path = await configFile(
    'nonginx.json',
    JSON.stringify({ nginx: { bin: '/opt/missing/sbin/nginx' }, stateDir: join(dir, 'state') }),
  );
  const run = await runAgent(['scan', '--config', path]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /nginx not found at \/opt\/missing\/sbin\/nginx: set nginx\.bin/);
});

test('missing config file given by --config', async () => {
  const run = await runAgent(['status', '--config', join(dir, 'absent.json')]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /absent\.json not found/);
});

test('messages follow the locale', async () => {
  const path = join(dir, 'absent.json');
  const chinese = await runAgent(['status', '--config', path], { lang: 'zh_CN.UTF-8' });
  assert.match(chinese.stderr, /错误: 找不到配置文件/);
  const flag = await runAgent(['status', '--config', path, '--lang', 'en'], { lang: 'zh_CN.UTF-8' });
  assert.match(flag.stderr, /^Error: Config file/);
  const help = await runAgent(['--help'], { lang: 'C' });
  assert.match(help.stdout, /用法：certpilot-agent/);
});

test('usage errors exit with 2', async () => {
  const unknown = await runAgent(['frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /Unknown command "frobnicate"/);
  const option = await runAgent(['scan', '--bogus']);
  assert.equal(option.status, 2);
  assert.match(option.stderr, /Invalid option/);
  const jitter = await runAgent(['renew', '--jitter', 'soon']);
  assert.equal(jitter.status, 2);
  assert.match(jitter.stderr, /--jitter soon is not a whole number/);
  const enable = await runAgent(['enable-https']);
  assert.equal(enable.status, 2);
  assert.match(enable.stderr, /enable-https needs the name of a site/);
});

test('invalid domain for enable-https is named', async () => {
  const path = await configFile(
    'ok.json',
    JSON.stringify({ stateDir: join(dir, 'state2'), nginx: { bin: '/usr/sbin/nginx', conf: join(dir, 'none.conf') } }),
  );
  const run = await runAgent(['enable-https', 'bad_name;rm.test', '--config', path]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /Domain name "bad_name;rm\.test" is invalid/);
});
