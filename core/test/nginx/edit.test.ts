import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCertPilotError, type ErrorCode } from '../../src/errors.js';
import { parseNginxDump } from '../../src/nginx/config.js';
import { findServerBlocks, groupSites } from '../../src/nginx/discover.js';
import {
  addChallengeLocation,
  addChallengeServer,
  addTlsServer,
  assertUnchanged,
  MANAGED_MARKER,
} from '../../src/nginx/edit.js';
import type { ServerBlock } from '../../src/nginx/types.js';

const MAIN = '/etc/nginx/nginx.conf';
const SITE = '/etc/nginx/conf.d/site.conf';

/** Server blocks of `siteText`, included from a main file as nginx -T would show it. */
function blocksIn(siteText: string): ServerBlock[] {
  const stdout =
    `# configuration file ${MAIN}:\nevents {}\nhttp {\n    include conf.d/*.conf;\n}\n\n` +
    `# configuration file ${SITE}:\n${siteText}\n`;
  return findServerBlocks(parseNginxDump(stdout, { prefix: '/etc/nginx' }));
}

function blockIn(siteText: string, index = 0): ServerBlock {
  const block = blocksIn(siteText)[index];
  assert.ok(block, `no server block ${index} in the fixture`);
  return block;
}

/** The first server block of `mainText`, a main file with its own `http` block. */
function blockInMain(mainText: string): ServerBlock {
  const [block] = findServerBlocks(
    parseNginxDump(`# configuration file ${MAIN}:\n${mainText}\n`, { prefix: '/etc/nginx' }),
  );
  assert.ok(block, 'no server block in the fixture');
  return block;
}

function assertEditError(action: () => unknown, code: ErrorCode, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(isCertPilotError(error, code), `expected ${code}, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

const WEBROOT = '/var/lib/certpilot/webroot';

describe('addChallengeLocation', () => {
  test('inserts before closing brace', () => {
    const text = ['server {', '    listen 80;', '    server_name a.example;', '}', ''].join('\n');
    const result = addChallengeLocation(text, blockIn(text), WEBROOT);
    assert.equal(
      result,
      [
        'server {',
        '    listen 80;',
        '    server_name a.example;',
        `    ${MANAGED_MARKER}`,
        '    location ^~ /.well-known/acme-challenge/ {',
        '        default_type "text/plain";',
        `        root "${WEBROOT}";`,
        '    }',
        '}',
        '',
      ].join('\n'),
    );
  });

  test('nested indentation and tabs', () => {
    const text = 'http {\n\tserver {\n\t\tlisten 80;\n\t}\n}\n';
    const result = addChallengeLocation(text, blockInMain(text), WEBROOT);
    assert.equal(
      result,
      [
        'http {',
        '\tserver {',
        '\t\tlisten 80;',
        `\t\t${MANAGED_MARKER}`,
        '\t\tlocation ^~ /.well-known/acme-challenge/ {',
        '\t\t\tdefault_type "text/plain";',
        `\t\t\troot "${WEBROOT}";`,
        '\t\t}',
        '\t}',
        '}',
        '',
      ].join('\n'),
    );
  });

  test('one-line block', () => {
    const text = 'server { listen 80; server_name a.example; }\n';
    const result = addChallengeLocation(text, blockIn(text), WEBROOT);
    assert.equal(
      result,
      [
        'server { listen 80; server_name a.example;',
        `    ${MANAGED_MARKER}`,
        '    location ^~ /.well-known/acme-challenge/ {',
        '        default_type "text/plain";',
        `        root "${WEBROOT}";`,
        '    }',
        '}',
        '',
      ].join('\n'),
    );
  });

  test('keeps CRLF line endings', () => {
    const text = 'server {\r\n  listen 80;\r\n}\r\n';
    const result = addChallengeLocation(text, blockIn(text), WEBROOT);
    assert.ok(!/[^\r]\n/.test(result), 'every newline is part of a CRLF');
    assert.match(result, /\r\n {2}location \^~ \/\.well-known\/acme-challenge\/ \{\r\n {4}default_type/);
  });

  test('result is discovered', () => {
    const text = 'server {\n    listen 80;\n    server_name a.example;\n}\n\nserver {\n    listen 8080;\n}\n';
    const result = addChallengeLocation(text, blockIn(text), WEBROOT);
    const blocks = blocksIn(result);
    assert.equal(blocks[0]?.hasChallengeLocation, true);
    assert.equal(blocks[1]?.hasChallengeLocation, false);
  });

  test('second run adds nothing', () => {
    const text = 'server {\n    listen 80;\n}\n';
    const once = addChallengeLocation(text, blockIn(text), WEBROOT);
    const twice = addChallengeLocation(once, blockIn(once), WEBROOT);
    assert.equal(twice, once);
  });

  test('existing challenge location', () => {
    const text =
      'server {\n    listen 80;\n    location /.well-known/acme-challenge/ { proxy_pass http://certbot; }\n}\n';
    assertEditError(
      () => addChallengeLocation(text, blockIn(text), WEBROOT),
      'NGINX_EDIT_FAILED',
      /conf\.d\/site\.conf:1: it already has a location for \/\.well-known\/acme-challenge\//,
    );
  });

  test('unsafe webroot values', () => {
    const text = 'server {\n    listen 80;\n}\n';
    const block = blockIn(text);
    for (const webroot of [
      '/var/www/"x',
      '/var/www/x;',
      '/var/{x',
      '/var/x}',
      '/var/x\ny',
      '/var/$host',
      '/var\\x',
      '',
    ]) {
      assertEditError(
        () => addChallengeLocation(text, block, webroot),
        'NGINX_EDIT_FAILED',
        /unsafe in nginx configuration/,
      );
    }
    assertEditError(
      () => addChallengeLocation(text, block, 'var/www'),
      'NGINX_EDIT_FAILED',
      /"var\/www" is not an absolute path/,
    );
  });

  test('webroot with spaces and non-ASCII', () => {
    const text = 'server {\n    listen 80;\n}\n';
    const result = addChallengeLocation(text, blockIn(text), '/srv/证书 root');
    assert.match(result, /root "\/srv\/证书 root";/);
  });

  test('text changed since the dump', () => {
    const text = 'server {\n    listen 80;\n}\n';
    const block = blockIn(text);
    assertEditError(
      () => addChallengeLocation(`# new comment\n${text}`, block, WEBROOT),
      'NGINX_CONFIG_CHANGED',
      /site\.conf:1 is no longer where "nginx -T" showed it/,
    );
  });
});

describe('addChallengeServer', () => {
  const tlsSite = [
    'server {',
    '    listen 443 ssl;',
    '    listen [::]:443 ssl;',
    '    server_name a.example www.a.example;',
    '    ssl_certificate /c/a.pem;',
    '    ssl_certificate_key /c/a.key;',
    '}',
    '',
  ].join('\n');

  test('inserts after the block', () => {
    const result = addChallengeServer(tlsSite, blockIn(tlsSite), {
      port: 80,
      names: ['a.example', 'www.a.example'],
      webroot: WEBROOT,
    });
    assert.equal(
      result,
      tlsSite +
        [
          '',
          MANAGED_MARKER,
          'server {',
          '    listen 80;',
          '    listen [::]:80;',
          '    server_name a.example www.a.example;',
          '    location ^~ /.well-known/acme-challenge/ {',
          '        default_type "text/plain";',
          `        root "${WEBROOT}";`,
          '    }',
          '    location / {',
          '        return 404;',
          '    }',
          '}',
          '',
        ].join('\n'),
    );
  });

  test('IPv4 only and specific address', () => {
    const text = 'http {\n  server {\n    listen 127.0.0.1:8443 ssl;\n  }\n}\n';
    const result = addChallengeServer(text, blockInMain(text), { port: 8080, names: ['a.example'], webroot: WEBROOT });
    assert.match(result, /\n {2}server \{\n {4}listen 127\.0\.0\.1:8080;\n {4}server_name a\.example;\n/);
    assert.ok(!result.includes('[::]'));
    assert.ok(result.endsWith('  }\n}\n'), 'inserted inside http');
  });

  test('result is a plain HTTP block', () => {
    const result = addChallengeServer(tlsSite, blockIn(tlsSite), { port: 80, names: ['a.example'], webroot: WEBROOT });
    const { sites, plainHttp } = groupSites(blocksIn(result));
    assert.equal(sites.length, 1);
    assert.equal(plainHttp.length, 1);
    assert.deepEqual(plainHttp[0]?.names, ['a.example']);
    assert.equal(plainHttp[0]?.hasChallengeLocation, true);
    assert.deepEqual(
      plainHttp[0]?.listens.map((listen) => `${listen.address}:${listen.port}`),
      ['*:80', '[::]:80'],
    );
  });

  test('block followed by brace on its line', () => {
    const text = 'http { server { listen 443 ssl; } }';
    const result = addChallengeServer(text, blockInMain(text), { port: 80, names: ['a.example'], webroot: WEBROOT });
    assert.ok(result.startsWith(`http { server { listen 443 ssl; }\n\n${MANAGED_MARKER}\nserver {\n`));
    assert.ok(result.endsWith('    }\n}\n}'));
    const servers = findServerBlocks(
      parseNginxDump(`# configuration file ${MAIN}:\n${result}\n`, { prefix: '/etc/nginx' }),
    );
    assert.equal(servers.length, 2);
  });

  test('file without final newline', () => {
    const text = 'server { listen 443 ssl; } # tls';
    const result = addChallengeServer(text, blockIn(text), { port: 80, names: ['a.example'], webroot: WEBROOT });
    assert.ok(result.startsWith(`${text}\n\n${MANAGED_MARKER}\nserver {`));
    assert.ok(result.endsWith('}'));
  });

  test('names normalized again', () => {
    const result = addChallengeServer(tlsSite, blockIn(tlsSite), {
      port: 80,
      names: ['Bücher.Example'],
      webroot: WEBROOT,
    });
    assert.match(result, /server_name xn--bcher-kva\.example;/);
  });

  test('invalid names and ports', () => {
    const block = blockIn(tlsSite);
    assertEditError(
      () => addChallengeServer(tlsSite, block, { port: 80, names: ['a.example;evil'], webroot: WEBROOT }),
      'NAME_INVALID',
      /a\.example;evil/,
    );
    assertEditError(
      () => addChallengeServer(tlsSite, block, { port: 80, names: [], webroot: WEBROOT }),
      'NGINX_EDIT_FAILED',
      /no server names/,
    );
    for (const port of [0, 65536, 80.5, Number.NaN]) {
      assertEditError(
        () => addChallengeServer(tlsSite, block, { port, names: ['a.example'], webroot: WEBROOT }),
        'NGINX_EDIT_FAILED',
        /port .* is invalid/,
      );
    }
    assertEditError(
      () => addChallengeServer(tlsSite, block, { port: 80, names: ['a.example'], webroot: '/w;' }),
      'NGINX_EDIT_FAILED',
      /"\/w;"/,
    );
  });

  test('second run adds nothing', () => {
    const options = { port: 80, names: ['a.example'], webroot: WEBROOT };
    const once = addChallengeServer(tlsSite, blockIn(tlsSite), options);
    const twice = addChallengeServer(once, blockIn(once), options);
    assert.equal(twice, once);
  });
});

describe('addTlsServer', () => {
  const plainSite = [
    '# the shop',
    'server {',
    '    listen 80 default_server;',
    '    listen [::]:80 default_server;',
    '    server_name shop.example;',
    '    root /srv/shop;',
    '',
    '    location /api/ {',
    '        proxy_pass http://127.0.0.1:3000;',
    '    }',
    '}',
    '',
  ].join('\n');
  const files = { certificatePath: '/etc/certpilot/shop/fullchain.pem', keyPath: '/etc/certpilot/shop/key.pem' };

  test('copies the block with TLS', () => {
    const result = addTlsServer(plainSite, blockIn(plainSite), files);
    assert.equal(
      result,
      plainSite +
        [
          '',
          MANAGED_MARKER,
          'server {',
          '    listen 443 ssl;',
          '    listen [::]:443 ssl;',
          `    ssl_certificate "${files.certificatePath}";`,
          `    ssl_certificate_key "${files.keyPath}";`,
          '    server_name shop.example;',
          '    root /srv/shop;',
          '',
          '    location /api/ {',
          '        proxy_pass http://127.0.0.1:3000;',
          '    }',
          '}',
          '',
        ].join('\n'),
    );
  });

  test('result is a TLS site', () => {
    const result = addTlsServer(plainSite, blockIn(plainSite), { ...files, port: 8443 });
    const { sites, plainHttp } = groupSites(blocksIn(result));
    assert.equal(plainHttp.length, 1);
    assert.equal(sites.length, 1);
    assert.equal(sites[0]?.id, 'shop.example');
    assert.equal(sites[0]?.certificatePath, files.certificatePath);
    assert.equal(sites[0]?.certificateKeyPath, files.keyPath);
    assert.deepEqual(
      sites[0]?.blocks[0]?.listens.map((listen) => `${listen.address}:${listen.port}:${listen.ssl}`),
      ['*:8443:true', '[::]:8443:true'],
    );
  });

  test('replaces names when given', () => {
    const result = addTlsServer(plainSite, blockIn(plainSite), {
      ...files,
      names: ['shop.example', 'www.shop.example'],
    });
    const copy = result.slice(result.indexOf(MANAGED_MARKER));
    assert.match(copy, /server_name shop\.example www\.shop\.example;/);
    assert.equal(copy.match(/server_name/g)?.length, 1);
  });

  test('one-line block keeps address', () => {
    const text = 'server { listen 127.0.0.1:8080; ssl_certificate /old.pem; root /srv; }\n';
    const result = addTlsServer(text, blockIn(text), files);
    const copy = result.slice(result.indexOf(MANAGED_MARKER));
    assert.equal(
      copy,
      [
        MANAGED_MARKER,
        'server {',
        '    listen 127.0.0.1:443 ssl;',
        `    ssl_certificate "${files.certificatePath}";`,
        `    ssl_certificate_key "${files.keyPath}";`,
        '    root /srv; }',
        '',
      ].join('\n'),
    );
    assert.equal(blocksIn(result).length, 2);
  });

  test('rejects blocks it cannot copy', () => {
    const tls = 'server { listen 443 ssl; ssl_certificate /a; ssl_certificate_key /b; }\n';
    assertEditError(() => addTlsServer(tls, blockIn(tls), files), 'NGINX_EDIT_FAILED', /already listens with TLS/);

    for (const redirect of [
      'server { listen 80; return 301 https://$host$request_uri; }\n',
      'server { listen 80; return https://shop.example$request_uri; }\n',
      'server { listen 80; rewrite ^ https://shop.example$request_uri permanent; }\n',
    ]) {
      assertEditError(
        () => addTlsServer(redirect, blockIn(redirect), files),
        'NGINX_EDIT_FAILED',
        /redirects to HTTPS/,
      );
    }
  });

  test('rejects listen from an include', () => {
    const stdout =
      `# configuration file ${MAIN}:\nevents {}\nhttp {\n    server {\n        include listen.conf;\n    }\n}\n\n` +
      `# configuration file /etc/nginx/listen.conf:\nlisten 80;\n\n`;
    const mainText = 'events {}\nhttp {\n    server {\n        include listen.conf;\n    }\n}\n';
    const [block] = findServerBlocks(parseNginxDump(stdout, { prefix: '/etc/nginx' }));
    assert.ok(block);
    assertEditError(
      () => addTlsServer(mainText, block, files),
      'NGINX_EDIT_FAILED',
      /included file \/etc\/nginx\/listen\.conf:1/,
    );
  });

  test('unsafe paths', () => {
    const block = blockIn(plainSite);
    assertEditError(
      () => addTlsServer(plainSite, block, { ...files, certificatePath: '/c/a"b.pem' }),
      'NGINX_EDIT_FAILED',
      /certificate path "\/c\/a\\"b\.pem"/,
    );
    assertEditError(
      () => addTlsServer(plainSite, block, { ...files, keyPath: 'key.pem' }),
      'NGINX_EDIT_FAILED',
      /key path "key\.pem" is not an absolute path/,
    );
  });

  test('second run adds nothing', () => {
    const once = addTlsServer(plainSite, blockIn(plainSite), files);
    const twice = addTlsServer(once, blockIn(once), files);
    assert.equal(twice, once);
  });
});

describe('assertUnchanged', () => {
  test('same text passes', () => {
    assert.doesNotThrow(() => assertUnchanged('a 1;\n', 'a 1;\n', SITE));
  });

  test('changed text names the line', () => {
    assertEditError(
      () => assertUnchanged('a 1;\nb 2;\nc 3;\n', 'a 1;\nb 2;\nc 4;\n', SITE),
      'NGINX_CONFIG_CHANGED',
      /site\.conf changed since "nginx -T" read it \(first difference at line 3\)/,
    );
    assertEditError(() => assertUnchanged('a 1;\n', 'a 1;\n\n', SITE), 'NGINX_CONFIG_CHANGED', /line 2/);
  });
});
