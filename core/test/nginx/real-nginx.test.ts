import { execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startNginx, type NginxInstance, type NginxOptions } from '@certpilot/testkit/nginx';
import { parseNginxDump } from '../../src/nginx/config.js';
import { findServerBlocks, groupSites } from '../../src/nginx/discover.js';
import { splitNginxDump } from '../../src/nginx/dump.js';
import { addChallengeLocation, addChallengeServer, addTlsServer, assertUnchanged } from '../../src/nginx/edit.js';
import { parseConfigText } from '../../src/nginx/parse.js';
import type { NginxConfig, ServerBlock } from '../../src/nginx/types.js';

const run = promisify(execFile);

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function httpGet(port: number, path: string, host: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, path, headers: { Host: host }, agent: false },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      },
    );
    request.on('error', reject);
    request.end();
  });
}

function httpsGet(port: number, servername: string): Promise<Response & { certificate: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const options = {
      host: '127.0.0.1',
      port,
      path: '/',
      servername,
      headers: { Host: servername },
      agent: false,
      rejectUnauthorized: false,
    };
    const request = httpsRequest(options, (response) => {
      const raw = (response.socket as TLSSocket).getPeerCertificate(false).raw;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body,
          certificate: new X509Certificate(raw),
        }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

/** Writes a self-signed ECDSA certificate for `name` with openssl; returns the two paths. */
async function makeCertificate(dir: string, name: string): Promise<{ certificatePath: string; keyPath: string }> {
  await mkdir(dir, { recursive: true });
  const certificatePath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}.key`);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certificatePath,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    `subjectAltName=DNS:${name}`,
  ]);
  return { certificatePath, keyPath };
}

/** Certificate files as `extraFiles` entries under `conf/certs/`. */
async function certificateFiles(name: string): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'certpilot-cert-'));
  try {
    const { certificatePath, keyPath } = await makeCertificate(dir, name);
    return {
      [`certs/${name}.pem`]: await readFile(certificatePath, 'utf8'),
      [`certs/${name}.key`]: await readFile(keyPath, 'utf8'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function withNginx(options: NginxOptions, body: (nginx: NginxInstance) => Promise<void>): Promise<void> {
  const nginx = await startNginx(options);
  try {
    await body(nginx);
  } finally {
    await nginx.stop();
  }
}

async function discover(nginx: NginxInstance): Promise<NginxConfig> {
  return parseNginxDump(await nginx.dump(), { prefix: nginx.prefix });
}

/** Applies `edit` to the block's file the way the agent does: check unchanged, write, `nginx -t`. */
async function applyEdit(
  nginx: NginxInstance,
  config: NginxConfig,
  block: ServerBlock,
  edit: (text: string) => string,
): Promise<string> {
  const dumped = config.files.find((file) => file.path === block.file);
  assert.ok(dumped, `${block.file} is in the dump`);
  assertUnchanged(await readFile(block.file, 'utf8'), dumped.text, block.file);

  const edited = edit(dumped.text);
  assert.notEqual(edited, dumped.text);
  await writeFile(block.file, edited);
  const result = await nginx.test();
  assert.ok(result.ok, `nginx -t accepts the edit:\n${result.output}\n${edited}`);
  return edited;
}

function onlyPlainBlock(config: NginxConfig): ServerBlock {
  const { plainHttp } = groupSites(findServerBlocks(config));
  assert.equal(plainHttp.length, 1);
  const [block] = plainHttp;
  assert.ok(block);
  return block;
}

describe('real nginx', () => {
  test('dump texts equal files', async () => {
    const options: NginxOptions = {
      serverBlocks: '    include /etc/nginx/mime.types;',
      extraFiles: {
        'conf.d/a.conf': ([port]) =>
          `# 证书领航 site\nserver {\n    listen 127.0.0.1:${port};\n    include snippets/*.conf;\n}\n`,
        'conf.d/b.conf': ([port]) => `server { listen 127.0.0.1:${port}; server_name b.test; }`,
        'conf.d/c.conf': 'map $host $c {\r\n    default 1;\r\n}\r\n\r\n',
        'conf.d/empty.conf': '',
        'snippets/inner.conf': '\n\nserver_name a.test;\n\n\n',
      },
    };

    await withNginx(options, async (nginx) => {
      const dumped = splitNginxDump(await nginx.dump());
      assert.deepEqual(
        dumped.map((file) => file.path),
        [
          nginx.confPath,
          join(nginx.prefix, 'conf.d/a.conf'),
          join(nginx.prefix, 'snippets/inner.conf'),
          join(nginx.prefix, 'conf.d/b.conf'),
          join(nginx.prefix, 'conf.d/c.conf'),
          join(nginx.prefix, 'conf.d/empty.conf'),
          '/etc/nginx/mime.types',
        ],
      );
      for (const file of dumped) {
        assert.equal(file.text, await readFile(file.path, 'utf8'), file.path);
      }
    });
  });

  test('discovery of included sites', async () => {
    const options: NginxOptions = {
      serverBlocks: ([plainPort, tlsPort]) =>
        [
          '    ssl_certificate certs/default.test.pem;',
          '    ssl_certificate_key certs/default.test.key;',
          `    server { listen 127.0.0.1:${plainPort}; server_name plain.test; }`,
          `    server { listen 127.0.0.1:${tlsPort} ssl; server_name inherited.test; }`,
        ].join('\n'),
      extraFiles: {
        ...(await certificateFiles('default.test')),
        ...(await certificateFiles('shop.test')),
        'conf.d/shop.conf': ([, tlsPort]) =>
          [
            'server {',
            `    listen 127.0.0.1:${tlsPort} ssl;`,
            '    server_name shop.test www.shop.test;',
            '    ssl_certificate certs/shop.test.pem;',
            '    ssl_certificate_key certs/shop.test.key;',
            '    include snippets/shop-*.conf;',
            '}',
            'include sites/*.conf;',
            '',
          ].join('\n'),
        'snippets/shop-names.conf': 'server_name alias.shop.test ~^img\\d+\\.shop\\.test$;\n',
        'sites/api.conf': ([, tlsPort]) =>
          [
            'server {',
            `    listen 127.0.0.1:${tlsPort} ssl;`,
            '    server_name api.shop.test;',
            `    ssl_certificate ${'certs/shop.test.pem'};`,
            '    ssl_certificate_key certs/shop.test.key;',
            '    location ^~ /.well-known/acme-challenge/ { root /nonexistent; }',
            '}',
            '',
          ].join('\n'),
      },
    };

    await withNginx(options, async (nginx) => {
      const config = await discover(nginx);
      const { sites, plainHttp } = groupSites(findServerBlocks(config));
      const certs = join(nginx.prefix, 'certs');

      assert.deepEqual(
        sites.map((site) => site.id),
        ['shop.test', 'inherited.test'],
      );
      const [shop, inherited] = sites;
      assert.deepEqual(shop?.names, ['shop.test', 'www.shop.test', 'alias.shop.test', 'api.shop.test']);
      assert.equal(shop?.certificatePath, join(certs, 'shop.test.pem'));
      assert.equal(shop?.certificateKeyPath, join(certs, 'shop.test.key'));
      assert.deepEqual(
        shop?.blocks.map((block) => [block.file, block.line, block.hasChallengeLocation]),
        [
          [join(nginx.prefix, 'conf.d/shop.conf'), 1, false],
          [join(nginx.prefix, 'sites/api.conf'), 1, true],
        ],
      );
      assert.deepEqual(shop?.blocks[0]?.skippedNames, [{ value: '~^img\\d+\\.shop\\.test$', reason: 'regex' }]);
      assert.deepEqual(shop?.problems, []);
      assert.equal(inherited?.certificatePath, join(certs, 'default.test.pem'));
      assert.equal(inherited?.blocks[0]?.listens[0]?.port, nginx.ports[1]);
      assert.deepEqual(
        plainHttp.map((block) => block.names),
        [['plain.test']],
      );
    });
  });

  test('parsed values match nginx', async () => {
    // Each token is written into an add_header value, so nginx shows how it read it.
    const tokens = ['"a b"', "'c\\'d'", 'e\\"f', '"g\\\\h"', 'i\\j', '"k # l"', 'm#n', "o'p'", '"{q;}"'];
    const headers = tokens.map((token, index) => `add_header X-Token-${index} ${token};`).join(' ');
    const options: NginxOptions = {
      serverBlocks: ([port]) => `    server { listen 127.0.0.1:${port}; location / { ${headers} return 204; } }`,
    };

    await withNginx(options, async (nginx) => {
      const response = await httpGet(nginx.ports[0] ?? 0, '/', 'values.test');
      assert.equal(response.status, 204);
      tokens.forEach((token, index) => {
        const [directive] = parseConfigText(`add_header X ${token};`, 'token.conf');
        assert.equal(response.headers[`x-token-${index}`], directive?.args[1], token);
      });
    });
  });

  test('challenge location served after reload', async () => {
    const options: NginxOptions = {
      serverBlocks: '',
      extraFiles: {
        'conf.d/plain.conf': ([port]) =>
          `server {\n    listen 127.0.0.1:${port};\n    server_name plain.test;\n    location / {\n        return 200 "app\\n";\n    }\n}\n`,
      },
    };

    await withNginx(options, async (nginx) => {
      const port = nginx.ports[0] ?? 0;
      const webroot = join(nginx.dir, 'webroot');
      const config = await discover(nginx);
      const block = onlyPlainBlock(config);
      assert.equal(block.hasChallengeLocation, false);

      await applyEdit(nginx, config, block, (text) => addChallengeLocation(text, block, webroot));
      await nginx.reload();
      await mkdir(join(webroot, '.well-known/acme-challenge'), { recursive: true });
      await writeFile(join(webroot, '.well-known/acme-challenge/x'), 'token-x.key-authorization');

      const challenge = await httpGet(port, '/.well-known/acme-challenge/x', 'plain.test');
      assert.equal(challenge.status, 200);
      assert.equal(challenge.body, 'token-x.key-authorization');
      assert.equal(challenge.headers['content-type'], 'text/plain');
      const app = await httpGet(port, '/', 'plain.test');
      assert.equal(app.body, 'app\n');

      const again = await discover(nginx);
      const edited = onlyPlainBlock(again);
      assert.equal(edited.hasChallengeLocation, true);
      const text = again.files.find((file) => file.path === edited.file)?.text ?? '';
      assert.equal(addChallengeLocation(text, edited, webroot), text, 'a second run changes nothing');
    });
  });

  test('challenge server served after reload', async () => {
    const options: NginxOptions = {
      serverBlocks: '',
      extraFiles: {
        ...(await certificateFiles('tls.test')),
        'conf.d/tls.conf': ([, tlsPort]) =>
          [
            'server {',
            `    listen 127.0.0.1:${tlsPort} ssl;`,
            '    server_name tls.test;',
            '    ssl_certificate certs/tls.test.pem;',
            '    ssl_certificate_key certs/tls.test.key;',
            '}',
            '',
          ].join('\n'),
      },
    };

    await withNginx(options, async (nginx) => {
      const challengePort = nginx.ports[2] ?? 0;
      const webroot = join(nginx.dir, 'webroot');
      const config = await discover(nginx);
      const [site] = groupSites(findServerBlocks(config)).sites;
      const block = site?.blocks[0];
      assert.ok(site);
      assert.ok(block);

      const edit = (text: string) =>
        addChallengeServer(text, block, { port: challengePort, names: site.names, webroot });
      await applyEdit(nginx, config, block, edit);
      await nginx.reload();
      await mkdir(join(webroot, '.well-known/acme-challenge'), { recursive: true });
      await writeFile(join(webroot, '.well-known/acme-challenge/y'), 'token-y');

      const challenge = await httpGet(challengePort, '/.well-known/acme-challenge/y', 'tls.test');
      assert.equal(challenge.status, 200);
      assert.equal(challenge.body, 'token-y');
      const other = await httpGet(challengePort, '/', 'tls.test');
      assert.equal(other.status, 404);
    });
  });

  test('TLS copy serves the same content', async () => {
    const options: NginxOptions = {
      serverBlocks: '',
      extraFiles: {
        'conf.d/shop.conf': ([port]) =>
          [
            'server {',
            `    listen 127.0.0.1:${port};`,
            '    server_name shop.test;',
            '    location / {',
            '        return 200 "shop content\\n";',
            '    }',
            '}',
            '',
          ].join('\n'),
      },
    };

    await withNginx(options, async (nginx) => {
      const tlsPort = nginx.ports[1] ?? 0;
      const files = await makeCertificate(join(nginx.dir, 'certs'), 'shop.test');
      const config = await discover(nginx);
      const block = onlyPlainBlock(config);

      await applyEdit(nginx, config, block, (text) => addTlsServer(text, block, { port: tlsPort, ...files }));
      await nginx.reload();

      const response = await httpsGet(tlsPort, 'shop.test');
      assert.equal(response.status, 200);
      assert.equal(response.body, 'shop content\n');
      const expected = new X509Certificate(await readFile(files.certificatePath));
      assert.equal(response.certificate.fingerprint256, expected.fingerprint256);

      const { sites } = groupSites(findServerBlocks(await discover(nginx)));
      assert.deepEqual(
        sites.map((site) => [site.id, site.certificatePath]),
        [['shop.test', files.certificatePath]],
      );
    });
  });
});

describe('startNginx', () => {
  async function leftoverDirs(): Promise<string[]> {
    return (await readdir(tmpdir())).filter((name) => name.startsWith('certpilot-nginx-'));
  }

  test('missing binary fails', async () => {
    await assert.rejects(
      startNginx({ serverBlocks: '', bin: '/nonexistent/sbin/nginx' }),
      new Error(
        'nginx not found at /nonexistent/sbin/nginx: install the Debian package nginx-light (apt-get install nginx-light)',
      ),
    );
  });

  test('invalid config fails with output', async () => {
    const before = await leftoverDirs();
    await assert.rejects(
      startNginx({ serverBlocks: '    server { listen 127.0.0.1:1 ssl }' }),
      /nginx -t rejected the test config[\s\S]*emerg/,
    );
    assert.deepEqual(await leftoverDirs(), before, 'the temp dir is removed');
  });

  test('extra file outside conf', async () => {
    await assert.rejects(
      startNginx({ serverBlocks: '', extraFiles: { '../escape.conf': '' } }),
      /Invalid extra file path "\.\.\/escape\.conf"/,
    );
  });

  test('reload reports a broken config', async () => {
    await withNginx(
      { serverBlocks: ([port]) => `    server { listen 127.0.0.1:${port}; return 200 "before\\n"; }` },
      async (nginx) => {
        await writeFile(join(nginx.prefix, 'conf.d/broken.conf'), 'server {\n');
        await assert.rejects(nginx.reload(), /nginx reload failed[\s\S]*emerg/);
        const response = await httpGet(nginx.ports[0] ?? 0, '/', 'any.test');
        assert.equal(response.body, 'before\n', 'the old config keeps serving');
      },
    );
  });

  test('stop ends the master', async () => {
    const nginx = await startNginx({ serverBlocks: ([port]) => `    server { listen 127.0.0.1:${port}; }` });
    const pid = Number((await readFile(join(nginx.dir, 'logs/nginx.pid'), 'utf8')).trim());
    await nginx.stop();
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    await assert.rejects(httpGet(nginx.ports[0] ?? 0, '/', 'any.test'), /ECONNREFUSED/);
  });
});
