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
  assert.match(run.stderr, /nginx\.bin \/opt\/missing\/sbin\/nginx does not exist: set nginx\.bin/);
});

test('missing config file given by --config', async () => {
  const run = await runAgent(['status', '--config', join(dir, 'absent.json')]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /absent\.json not found/);
});

test('messages follow the locale', async () => {
  const path = join(dir, 'absent.json');
  const chinese = await runAgent(['status', '--config', path], { lang: 'zh_CN.UTF-8' });
  assert.match(chinese.stderr, /错误：找不到配置文件/);
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
  assert.match(option.stderr, /Unknown option --bogus\. Run certpilot-agent --help/);
  const jitter = await runAgent(['renew', '--jitter', 'soon']);
  assert.equal(jitter.status, 2);
  assert.match(jitter.stderr, /--jitter soon is invalid: use a whole number from 0 to 86400/);
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

test('more usage errors are named', async () => {
  const emptySite = await runAgent(['renew', '--site', '']);
  assert.equal(emptySite.status, 2);
  assert.match(emptySite.stderr, /--site needs a site name/);
  const language = await runAgent(['status', '--lang', 'fr']);
  assert.equal(language.status, 2);
  assert.match(language.stderr, /Unsupported language "fr"/);
  const extra = await runAgent(['scan', 'extra']);
  assert.equal(extra.status, 2);
  assert.match(extra.stderr, /Unexpected argument "extra"/);
  const port = await runAgent(['enable-https', 'a.test', '--port', '0']);
  assert.equal(port.status, 2);
  assert.match(port.stderr, /--port 0 is invalid: use a whole number from 1 to 65535/);
  const missingValue = await runAgent(['scan', '--config']);
  assert.equal(missingValue.status, 2);
  assert.match(missingValue.stderr, /Option --config needs a value/);
});

test('unreadable files named in the config', async () => {
  const path = await configFile(
    'files.json',
    JSON.stringify({
      acme: { caCertFile: join(dir, 'nope.pem') },
      nginx: { conf: join(dir, 'missing.conf') },
      stateDir: join(dir, 'st'),
    }),
  );
  const run = await runAgent(['scan', '--config', path]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /acme\.caCertFile .*nope\.pem cannot be read/);
  const chinese = await runAgent(['scan', '--config', path], { lang: 'zh_CN.UTF-8' });
  assert.match(chinese.stderr, /acme\.caCertFile 指向的文件 .*nope\.pem 无法读取/);
});

test('nginx.bin that is not executable', async () => {
  const path = await configFile(
    'noexec.json',
    JSON.stringify({ nginx: { bin: path_of_text() }, stateDir: join(dir, 'st2') }),
  );
  const run = await runAgent(['scan', '--config', path]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /is not an executable file/);
});

test('config errors follow the locale', async () => {
  const path = await configFile('typo.json', JSON.stringify({ acme: { directoryURL: 'https://ca.test/dir' } }));
  const chinese = await runAgent(['scan', '--config', path], { lang: 'zh_CN.UTF-8' });
  assert.match(chinese.stderr, /typo\.json 中的配置无效：acme: 出现未知的键/);
  const json = await configFile('lines.json', '{\n  "acme": {\n    "email": "x@y.test",,\n  }\n}');
  const run = await runAgent(['scan', '--config', json]);
  assert.match(run.stderr, /at line 3, column 25/);
});

test('wildcard enable-https explains dns-01', async () => {
  const run = await runAgent(['enable-https', '*.wild.test', '--config', join(dir, 'absent-but-unused.json')]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /is a wildcard, which needs dns-01/);
});

test('closed pipe ends quietly', async () => {
  const { spawnSync } = await import('node:child_process');
  const result = spawnSync(
    'bash',
    ['-c', `node --conditions=source --import tsx agent/src/cli.ts --help --lang en | head -1`],
    { cwd: new URL('../../', import.meta.url).pathname, encoding: 'utf8' },
  );
  assert.equal(result.stdout.trim(), 'certpilot-agent: renews the TLS certificates of the nginx sites on this server');
  assert.doesNotMatch(result.stderr, /EPIPE/);
});

function path_of_text(): string {
  return join(dir, 'broken.json');
}
