import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCertPilotError } from '../../src/errors.js';
import { parseNginxDump } from '../../src/nginx/config.js';
import { classifyServerNames, findServerBlocks, groupSites, parseListen } from '../../src/nginx/discover.js';
import { parseConfigText } from '../../src/nginx/parse.js';
import type { ListenAddress, ServerBlock } from '../../src/nginx/types.js';

const PREFIX = '/etc/nginx';

function dumpOf(files: Array<[string, string]>): string {
  return files.map(([path, text]) => `# configuration file ${path}:\n${text}\n`).join('');
}

/** Server blocks of a main file whose `http` block contains `httpBody`. */
function blocksOf(httpBody: string, extraFiles: Array<[string, string]> = []): ServerBlock[] {
  const main = `events {}\nhttp {\n${httpBody}\n}\n`;
  return findServerBlocks(parseNginxDump(dumpOf([[`${PREFIX}/nginx.conf`, main], ...extraFiles]), { prefix: PREFIX }));
}

function onlyBlock(httpBody: string): ServerBlock {
  const blocks = blocksOf(httpBody);
  assert.equal(blocks.length, 1);
  const [block] = blocks;
  assert.ok(block);
  return block;
}

function listenOf(args: string, legacySsl = false): ListenAddress | null {
  const [directive] = parseConfigText(`listen ${args};`, '/etc/nginx/l.conf');
  assert.ok(directive);
  return parseListen(directive, legacySsl);
}

describe('findServerBlocks', () => {
  test('blocks from included files', () => {
    const blocks = blocksOf('  server { server_name main.example; }\n  include conf.d/*.conf;', [
      [`${PREFIX}/conf.d/a.conf`, 'server { server_name a.example; }\ninclude sites/*;\n'],
      [`${PREFIX}/sites/b`, '\n\nserver {\n  server_name b.example;\n}\n'],
    ]);
    assert.deepEqual(
      blocks.map((block) => block.names),
      [['main.example'], ['a.example'], ['b.example']],
    );
    assert.equal(blocks[2]?.file, `${PREFIX}/sites/b`);
    assert.equal(blocks[2]?.line, 3);
    assert.equal(blocks[2]?.directive.start, 2);
  });

  test('stream and upstream servers ignored', () => {
    const main = [
      'events {}',
      'stream { server { listen 12345; proxy_pass 127.0.0.1:1; } }',
      'http {',
      '  upstream app { server 127.0.0.1:3000; }',
      '  server { server_name web.example; }',
      '}',
      '',
    ].join('\n');
    const blocks = findServerBlocks(parseNginxDump(dumpOf([[`${PREFIX}/nginx.conf`, main]]), { prefix: PREFIX }));
    assert.deepEqual(
      blocks.map((block) => block.names),
      [['web.example']],
    );
  });

  test('several server_name directives', () => {
    const block = onlyBlock('server {\n  server_name a.example b.example;\n  server_name c.example a.example;\n}');
    assert.deepEqual(block.serverNames, ['a.example', 'b.example', 'c.example', 'a.example']);
    assert.deepEqual(block.names, ['a.example', 'b.example', 'c.example']);
    assert.deepEqual(block.skippedNames, []);
  });

  test('wildcard and dot names', () => {
    const block = onlyBlock('server { server_name *.a.example .b.example; }');
    assert.deepEqual(block.names, ['*.a.example', 'b.example', '*.b.example']);
  });

  test('IDN names to punycode', () => {
    const block = onlyBlock('server { server_name 例子.测试 Bücher.Example *.中文.example; }');
    assert.deepEqual(block.names, ['xn--fsqu00a.xn--0zwm56d', 'xn--bcher-kva.example', '*.xn--fiq228c.example']);
  });

  test('skipped names with reasons', () => {
    const { names, skippedNames } = classifyServerNames([
      '~^www\\d+\\.example\\.net$',
      '_',
      '',
      'localhost',
      'app.localhost',
      '127.0.0.1',
      '[::1]',
      'intranet',
      '$hostname',
      'www.example.*',
      'bad_name.example',
      '-x.example',
      'ok.example.',
      '_',
    ]);
    assert.deepEqual(names, ['ok.example']);
    assert.deepEqual(skippedNames, [
      { value: '~^www\\d+\\.example\\.net$', reason: 'regex' },
      { value: '_', reason: 'catch-all' },
      { value: '', reason: 'catch-all' },
      { value: 'localhost', reason: 'not-public' },
      { value: 'app.localhost', reason: 'not-public' },
      { value: '127.0.0.1', reason: 'not-public' },
      { value: '[::1]', reason: 'not-public' },
      { value: 'intranet', reason: 'not-public' },
      { value: '$hostname', reason: 'variable' },
      { value: 'www.example.*', reason: 'suffix-wildcard' },
      { value: 'bad_name.example', reason: 'invalid' },
      { value: '-x.example', reason: 'invalid' },
    ]);
  });

  test('quoted empty name', () => {
    const block = onlyBlock('server { server_name "" a.example; }');
    assert.deepEqual(block.names, ['a.example']);
    assert.deepEqual(block.skippedNames, [{ value: '', reason: 'catch-all' }]);
  });

  test('no listen means port 80', () => {
    const block = onlyBlock('server { server_name a.example; }');
    assert.deepEqual(block.listens, [
      { address: '*', port: 80, ssl: false, ipv6: false, defaultServer: false, raw: '' },
    ]);
  });

  test('legacy ssl on', () => {
    const block = onlyBlock('server { listen 443; listen [::]:443; ssl on; server_name a.example; }');
    assert.deepEqual(
      block.listens.map((listen) => listen.ssl),
      [true, true],
    );
  });

  test('ssl on inherited and overridden', () => {
    const blocks = blocksOf('  ssl on;\n  server { listen 443; }\n  server { listen 80; ssl off; }');
    assert.equal(blocks[0]?.listens[0]?.ssl, true);
    assert.equal(blocks[1]?.listens[0]?.ssl, false);
  });

  test('unix sockets left out', () => {
    const block = onlyBlock('server { listen unix:/run/app.sock; listen 8080; }');
    assert.deepEqual(
      block.listens.map((listen) => listen.raw),
      ['8080'],
    );
  });

  test('invalid listen port', () => {
    assert.throws(
      () => blocksOf('server {\n  listen 127.0.0.1:99999 ssl;\n}'),
      (error: unknown) => {
        assert.ok(isCertPilotError(error, 'NGINX_CONFIG_INVALID'));
        assert.equal(error.params.file, `${PREFIX}/nginx.conf`);
        assert.equal(error.params.line, 4);
        assert.match(error.message, /invalid port "99999"/);
        assert.match(error.message, /listen 127\.0\.0\.1:99999 ssl/);
        return true;
      },
    );
  });

  test('certificate paths resolved', () => {
    const block = onlyBlock('server { listen 443 ssl; ssl_certificate certs/a.pem; ssl_certificate_key /k/a.key; }');
    assert.equal(block.certificatePath, '/etc/nginx/certs/a.pem');
    assert.equal(block.certificateKeyPath, '/k/a.key');
  });

  test('certificates inherited from http', () => {
    const blocks = blocksOf(
      [
        '  ssl_certificate /c/http.pem;',
        '  ssl_certificate_key /c/http.key;',
        '  server { listen 443 ssl; server_name a.example; }',
        '  server { listen 443 ssl; server_name b.example; ssl_certificate /c/b.pem; }',
      ].join('\n'),
    );
    assert.equal(blocks[0]?.certificatePath, '/c/http.pem');
    assert.equal(blocks[0]?.certificateKeyPath, '/c/http.key');
    assert.equal(blocks[1]?.certificatePath, '/c/b.pem');
    assert.equal(blocks[1]?.certificateKeyPath, '/c/http.key');
  });

  test('variable and inline certificates', () => {
    const block = onlyBlock(
      'server { listen 443 ssl; ssl_certificate certs/$ssl_server_name.pem; ssl_certificate_key "data:-----BEGIN PRIVATE KEY-----"; }',
    );
    assert.equal(block.certificatePath, 'certs/$ssl_server_name.pem');
    assert.equal(block.certificateKeyPath, 'data:');
  });

  test('challenge location detection', () => {
    const cases: Array<[string, boolean]> = [
      ['location ^~ /.well-known/acme-challenge/ { root /w; }', true],
      ['location /.well-known/acme-challenge/ { root /w; }', true],
      ['location /.well-known/acme-challenge { root /w; }', true],
      ['location /.well-known/ { root /w; }', true],
      ['location ^~/.well-known/ { root /w; }', true],
      ['location ~ ^/\\.well-known/acme-challenge/(.*)$ { root /w; }', true],
      ['location ~* /.WELL-KNOWN/ACME-CHALLENGE { root /w; }', true],
      ['location / { location /.well-known/acme-challenge/ { root /w; } }', true],
      ['location / { proxy_pass http://app; }', false],
      ['location ~ /\\. { deny all; }', false],
      ['location = /.well-known/acme-challenge/ { return 404; }', false],
      ['location /.well-known/security.txt { return 404; }', false],
      ['location @acme-challenge { return 404; }', false],
      ['location ~ acme-challenge[ { return 404; }', false],
      ['if ($uri ~ acme-challenge) { return 404; }', false],
    ];
    for (const [location, expected] of cases) {
      const block = onlyBlock(`server { listen 80; ${location} }`);
      assert.equal(block.hasChallengeLocation, expected, location);
    }
  });

  test('challenge location from include', () => {
    const blocks = blocksOf('  server { listen 80; include snippets/acme.conf; }', [
      [`${PREFIX}/snippets/acme.conf`, 'location ^~ /.well-known/acme-challenge/ { root /var/www/acme; }\n'],
    ]);
    assert.equal(blocks[0]?.hasChallengeLocation, true);
  });
});

describe('parseListen', () => {
  test('listen variants', () => {
    const cases: Array<[string, Omit<ListenAddress, 'raw'>]> = [
      ['80', { address: '*', port: 80, ssl: false, ipv6: false, defaultServer: false }],
      ['443 ssl', { address: '*', port: 443, ssl: true, ipv6: false, defaultServer: false }],
      ['443 ssl http2', { address: '*', port: 443, ssl: true, ipv6: false, defaultServer: false }],
      ['[::]:443 ssl ipv6only=on', { address: '[::]', port: 443, ssl: true, ipv6: true, defaultServer: false }],
      ['[::1]', { address: '[::1]', port: 80, ssl: false, ipv6: true, defaultServer: false }],
      [
        '127.0.0.1:8443 ssl default_server',
        { address: '127.0.0.1', port: 8443, ssl: true, ipv6: false, defaultServer: true },
      ],
      ['127.0.0.1', { address: '127.0.0.1', port: 80, ssl: false, ipv6: false, defaultServer: false }],
      ['*:443', { address: '*', port: 443, ssl: false, ipv6: false, defaultServer: false }],
      ['localhost:8443', { address: 'localhost', port: 8443, ssl: false, ipv6: false, defaultServer: false }],
      ['80 default proxy_protocol', { address: '*', port: 80, ssl: false, ipv6: false, defaultServer: true }],
    ];
    for (const [args, expected] of cases) {
      assert.deepEqual(listenOf(args), { ...expected, raw: args }, args);
    }
  });

  test('legacy ssl flag', () => {
    assert.equal(listenOf('443', true)?.ssl, true);
  });

  test('unix socket', () => {
    assert.equal(listenOf('unix:/var/run/nginx.sock ssl'), null);
  });

  test('invalid ports', () => {
    for (const args of ['0', '65536', '127.0.0.1:', '127.0.0.1:http', '[::]:-1']) {
      assert.throws(
        () => listenOf(args),
        (error: unknown) => isCertPilotError(error, 'NGINX_CONFIG_INVALID'),
        args,
      );
    }
  });
});

describe('groupSites', () => {
  test('blocks sharing files form one site', () => {
    const blocks = blocksOf(
      [
        '  server { listen 80; server_name plain.example; }',
        '  server { listen 443 ssl; server_name a.example www.a.example; ssl_certificate /c/a.pem; ssl_certificate_key /c/a.key; }',
        '  server { listen [::]:443 ssl; server_name a.example api.a.example; ssl_certificate /c/a.pem; ssl_certificate_key /c/a.key; }',
        '  server { listen 443 ssl; server_name b.example; ssl_certificate /c/b.pem; ssl_certificate_key /c/b.key; }',
      ].join('\n'),
    );
    const { sites, plainHttp } = groupSites(blocks);

    assert.deepEqual(
      plainHttp.map((block) => block.names),
      [['plain.example']],
    );
    assert.equal(sites.length, 2);
    assert.equal(sites[0]?.id, 'a.example');
    assert.deepEqual(sites[0]?.names, ['a.example', 'www.a.example', 'api.a.example']);
    assert.equal(sites[0]?.certificatePath, '/c/a.pem');
    assert.equal(sites[0]?.certificateKeyPath, '/c/a.key');
    assert.equal(sites[0]?.blocks.length, 2);
    assert.deepEqual(sites[0]?.problems, []);
    assert.equal(sites[1]?.id, 'b.example');
    assert.deepEqual(sites[1]?.problems, []);
  });

  test('plain and TLS listens in one block', () => {
    const blocks = blocksOf(
      '  server { listen 80; listen 443 ssl; server_name a.example; ssl_certificate /c/a.pem; ssl_certificate_key /c/a.key; }',
    );
    const { sites, plainHttp } = groupSites(blocks);
    assert.equal(sites.length, 1);
    assert.equal(plainHttp.length, 0);
  });

  test('same certificate with other keys', () => {
    const blocks = blocksOf(
      [
        '  server { listen 443 ssl; server_name a.example; ssl_certificate /c/same.pem; ssl_certificate_key /c/a.key; }',
        '  server { listen 443 ssl; server_name b.example; ssl_certificate /c/same.pem; ssl_certificate_key /c/b.key; }',
      ].join('\n'),
    );
    const { sites } = groupSites(blocks);
    assert.equal(sites.length, 2);
    for (const site of sites) {
      assert.deepEqual(site.problems, [{ code: 'shared-certificate-file', detail: '/c/same.pem' }]);
    }
  });

  test('wildcard site needs dns-01', () => {
    const blocks = blocksOf(
      '  server { listen 443 ssl; server_name .a.example; ssl_certificate /c/a.pem; ssl_certificate_key /c/a.key; }',
    );
    const [site] = groupSites(blocks).sites;
    assert.deepEqual(site?.names, ['a.example', '*.a.example']);
    assert.deepEqual(site?.problems, [{ code: 'wildcard-needs-dns01', detail: '*.a.example' }]);
  });

  test('site without usable names', () => {
    const blocks = blocksOf(
      '  server { listen 443 ssl default_server; server_name _; ssl_certificate /c/d.pem; ssl_certificate_key /c/d.key; }',
    );
    const [site] = groupSites(blocks).sites;
    assert.deepEqual(site?.names, []);
    assert.equal(site?.id, `${PREFIX}/nginx.conf:3`);
    assert.deepEqual(site?.problems, [{ code: 'no-names', detail: `${PREFIX}/nginx.conf:3` }]);
  });

  test('missing certificate or key', () => {
    const blocks = blocksOf(
      [
        '  server { listen 443 ssl; server_name a.example; }',
        '  server { listen 443 ssl; server_name b.example; ssl_certificate /c/b.pem; }',
        '  server { listen 443 ssl; server_name c.example; }',
      ].join('\n'),
    );
    const { sites } = groupSites(blocks);
    assert.equal(sites.length, 3, 'blocks without both files are not merged');
    assert.deepEqual(sites[0]?.problems, [{ code: 'certificate-missing', detail: `${PREFIX}/nginx.conf:3` }]);
    assert.deepEqual(sites[1]?.problems, [{ code: 'certificate-missing', detail: `${PREFIX}/nginx.conf:4` }]);
    assert.equal(sites[0]?.certificatePath, '');
  });

  test('variable and inline paths', () => {
    const blocks = blocksOf(
      [
        '  server { listen 443 ssl; server_name a.example; ssl_certificate /c/$ssl_server_name.pem; ssl_certificate_key /c/$ssl_server_name.key; }',
        '  server { listen 443 ssl; server_name b.example; ssl_certificate "data:-----BEGIN CERTIFICATE-----"; ssl_certificate_key "data:-----BEGIN PRIVATE KEY-----"; }',
      ].join('\n'),
    );
    const { sites } = groupSites(blocks);
    assert.deepEqual(sites[0]?.problems, [
      { code: 'certificate-path-variable', detail: '/c/$ssl_server_name.pem' },
      { code: 'certificate-path-variable', detail: '/c/$ssl_server_name.key' },
    ]);
    assert.deepEqual(sites[1]?.problems, [{ code: 'certificate-inline', detail: `${PREFIX}/nginx.conf:4` }]);
    assert.equal(sites[1]?.certificateKeyPath, 'data:', 'an inline key is not copied into the site');
    assert.ok(!JSON.stringify(sites[1]?.problems).includes('PRIVATE KEY'));
  });

  test('several certificates in a block', () => {
    const blocks = blocksOf(
      '  server { listen 443 ssl; server_name a.example; ssl_certificate /c/rsa.pem; ssl_certificate_key /c/rsa.key; ssl_certificate /c/ec.pem; ssl_certificate_key /c/ec.key; }',
    );
    const [site] = groupSites(blocks).sites;
    assert.equal(site?.certificatePath, '/c/rsa.pem');
    assert.deepEqual(site?.problems, [{ code: 'multiple-certificates', detail: `${PREFIX}/nginx.conf:3` }]);
  });

  test('no blocks', () => {
    assert.deepEqual(groupSites([]), { sites: [], plainHttp: [] });
  });
});
