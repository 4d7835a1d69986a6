import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCertPilotError } from '../../src/errors.js';
import { parseNginxDump } from '../../src/nginx/config.js';
import { splitNginxDump } from '../../src/nginx/dump.js';
import { parseConfigText } from '../../src/nginx/parse.js';
import type { Directive } from '../../src/nginx/types.js';

function only(directives: Directive[]): Directive {
  assert.equal(directives.length, 1);
  const [directive] = directives;
  assert.ok(directive);
  return directive;
}

function argsOf(text: string): string[] {
  return only(parseConfigText(text, '/etc/nginx/test.conf')).args;
}

function assertConfigError(text: string, line: number, pattern: RegExp): void {
  assert.throws(
    () => parseConfigText(text, '/etc/nginx/bad.conf'),
    (error: unknown) => {
      assert.ok(isCertPilotError(error, 'NGINX_CONFIG_INVALID'), `expected NGINX_CONFIG_INVALID, got ${String(error)}`);
      assert.equal(error.params.file, '/etc/nginx/bad.conf');
      assert.equal(error.params.line, line);
      assert.match(error.message, new RegExp(`/etc/nginx/bad\\.conf:${line}:`));
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('parseConfigText', () => {
  test('simple directive offsets', () => {
    const text = 'worker_processes 1;\n';
    const directive = only(parseConfigText(text, '/etc/nginx/nginx.conf'));
    assert.equal(directive.name, 'worker_processes');
    assert.deepEqual(directive.args, ['1']);
    assert.equal(directive.file, '/etc/nginx/nginx.conf');
    assert.equal(directive.line, 1);
    assert.equal(directive.start, 0);
    assert.equal(directive.end, text.indexOf(';') + 1);
    assert.equal(directive.block, undefined);
  });

  test('block offsets and children', () => {
    const text = '# top\nhttp {\n    server {\n        listen 80;\n    }\n}\n';
    const http = only(parseConfigText(text, '/n.conf'));
    assert.equal(http.line, 2);
    assert.equal(http.start, text.indexOf('http'));
    assert.equal(http.end, text.lastIndexOf('}') + 1);
    assert.equal(http.block?.open, text.indexOf('{') + 1);
    assert.equal(http.block?.close, text.lastIndexOf('}'));

    const server = only(http.block?.children ?? []);
    assert.equal(server.name, 'server');
    assert.equal(server.line, 3);
    assert.equal(text.slice(server.start, server.end), 'server {\n        listen 80;\n    }');
    const listen = only(server.block?.children ?? []);
    assert.equal(listen.line, 4);
    assert.equal(text.slice(listen.start, listen.end), 'listen 80;');
  });

  test('comments to end of line', () => {
    const directives = parseConfigText('a 1; # b 2;\n# c { ;\nd 3;#e\n', '/n.conf');
    assert.deepEqual(
      directives.map((directive) => directive.name),
      ['a', 'd'],
    );
  });

  test('hash inside quotes and words', () => {
    assert.deepEqual(argsOf('add_header X "a # b";'), ['X', 'a # b']);
    assert.deepEqual(argsOf("add_header X 'a # b';"), ['X', 'a # b']);
    assert.deepEqual(argsOf('return 200 a#b;'), ['200', 'a#b']);
  });

  test('quoted values and escapes', () => {
    assert.deepEqual(argsOf(`x "a b" 'c d' "e\\"f" 'g\\'h' "i\\\\j";`), ['a b', 'c d', 'e"f', "g'h", 'i\\j']);
    assert.deepEqual(argsOf('x "t\\tr\\rn\\n";'), ['t\tr\rn\n']);
    assert.deepEqual(argsOf('x "" \'\';'), ['', '']);
    assert.deepEqual(argsOf('x "a;{}b";'), ['a;{}b']);
  });

  test('escapes outside quotes', () => {
    assert.deepEqual(argsOf('x a\\ b c\\;d;'), ['a\\ b', 'c\\;d']);
    assert.deepEqual(argsOf('x ~^www\\d+\\.example\\.net$;'), ['~^www\\d+\\.example\\.net$']);
  });

  test('quote chars inside a word', () => {
    assert.deepEqual(argsOf(`x a"b"c d'e';`), [`a"b"c`, `d'e'`]);
  });

  test('variables with braces', () => {
    assert.deepEqual(argsOf('x ${host}x $a${b}c;'), ['${host}x', '$a${b}c']);
    assert.deepEqual(argsOf('x "${host}";'), ['${host}']);
  });

  test('brace ends a word', () => {
    const location = only(parseConfigText('location /a{return 204;}', '/n.conf'));
    assert.deepEqual(location.args, ['/a']);
    assert.equal(only(location.block?.children ?? []).name, 'return');
  });

  test('if condition with quotes', () => {
    const directive = only(parseConfigText('if ($host = "a.example") { return 404; }', '/n.conf'));
    assert.equal(directive.name, 'if');
    assert.deepEqual(directive.args, ['($host', '=', 'a.example', ')']);
  });

  test('unusual whitespace', () => {
    const text = 'server\t{\r\n\tlisten\t\t443   ssl ;\r\n\r\n   server_name\r\n  a.example\r\n  b.example;}';
    const server = only(parseConfigText(text, '/n.conf'));
    const [listen, serverName] = server.block?.children ?? [];
    assert.deepEqual(listen?.args, ['443', 'ssl']);
    assert.equal(listen?.line, 2);
    assert.deepEqual(serverName?.args, ['a.example', 'b.example']);
    assert.equal(serverName?.line, 4);
    assert.equal(server.end, text.length);
  });

  test('newline inside quotes counts lines', () => {
    const directives = parseConfigText('a "x\ny";\nb 1;\n', '/n.conf');
    assert.equal(directives[0]?.args[0], 'x\ny');
    assert.equal(directives[1]?.line, 3);
  });

  test('empty and comment-only files', () => {
    assert.deepEqual(parseConfigText('', '/n.conf'), []);
    assert.deepEqual(parseConfigText('# only a comment', '/n.conf'), []);
    assert.deepEqual(parseConfigText('\n\n  \t\n', '/n.conf'), []);
  });

  test('non-ASCII text keeps offsets', () => {
    const text = '# 证书领航\nserver_name 例子.测试;\n';
    const directive = only(parseConfigText(text, '/n.conf'));
    assert.deepEqual(directive.args, ['例子.测试']);
    assert.equal(text.slice(directive.start, directive.end), 'server_name 例子.测试;');
  });

  test('unterminated double quote', () => {
    assertConfigError('a 1;\nb "never closed;\nc 2;\n', 2, /unterminated double-quoted string/);
  });

  test('unterminated single quote', () => {
    assertConfigError("a 'x;\n", 1, /unterminated single-quoted string/);
  });

  test('missing closing brace', () => {
    assertConfigError('http {\n  server {\n    listen 80;\n  }\n', 1, /missing "}" to close the "http" block/);
  });

  test('missing brace of inner block', () => {
    assertConfigError('http {\n  server {\n    listen 80;\n', 2, /missing "}" to close the "server" block/);
  });

  test('stray closing brace', () => {
    assertConfigError('a 1;\n}\n', 2, /unexpected "}"/);
    assertConfigError('http {\n}\n}\n', 3, /unexpected "}"/);
  });

  test('missing semicolon at end', () => {
    assertConfigError('a 1;\nlisten 80\n', 2, /missing ";" or "{" after the "listen" directive/);
  });

  test('missing semicolon before brace', () => {
    assertConfigError('server {\n  listen 80\n}\n', 2, /missing ";" after the "listen" directive/);
  });

  test('semicolon without a name', () => {
    assertConfigError('a 1;\n;\n', 2, /unexpected ";"/);
    assertConfigError('{ a 1; }', 1, /unexpected "{"/);
  });

  test('text glued after a quote', () => {
    assertConfigError('a\n"b"c;\n', 2, /unexpected "c" right after a quoted string/);
    assertConfigError('return 200 "x"}', 1, /unexpected "}" right after a quoted string/);
  });
});

/** Builds `nginx -T` output the way nginx 1.22 writes it: header, text, one newline. */
function dumpOf(files: Array<[string, string]>): string {
  return files.map(([path, text]) => `# configuration file ${path}:\n${text}\n`).join('');
}

function namesIn(directives: Directive[]): string[] {
  return directives.flatMap((directive) => [
    `${directive.name} ${directive.args.join(' ')}`.trim(),
    ...namesIn(directive.block?.children ?? []),
  ]);
}

describe('splitNginxDump', () => {
  test('texts exact with and without final newline', () => {
    const files: Array<[string, string]> = [
      ['/etc/nginx/nginx.conf', 'events {}\nhttp {}\n'],
      ['/etc/nginx/a.conf', 'server {}'],
      ['/etc/nginx/b.conf', 'x 1;\n\n\n'],
      ['/etc/nginx/empty.conf', ''],
      ['/etc/nginx/crlf.conf', 'a 1;\r\nb 2;\r\n'],
    ];
    assert.deepEqual(
      splitNginxDump(dumpOf(files)),
      files.map(([path, text]) => ({ path, text })),
    );
  });

  test('CRLF header-like line stays text', () => {
    const text = 'a 1;\r\n# configuration file /x:\r\n';
    const files = splitNginxDump(dumpOf([['/etc/nginx/nginx.conf', text]]));
    assert.equal(files.length, 1);
    assert.equal(files[0]?.text, text);
  });

  test('repeated path keeps the first', () => {
    const files = splitNginxDump(
      dumpOf([
        ['/etc/nginx/nginx.conf', 'a 1;\n'],
        ['/etc/nginx/a.conf', 'first;\n'],
        ['/etc/nginx/a.conf', 'second;\n'],
      ]),
    );
    assert.deepEqual(
      files.map((file) => file.text),
      ['a 1;\n', 'first;\n'],
    );
  });

  test('output without header', () => {
    assert.throws(
      () => splitNginxDump('nginx: [emerg] something\n'),
      (error: unknown) => {
        assert.ok(isCertPilotError(error, 'NGINX_CONFIG_INVALID'));
        assert.match(error.message, /starts with "nginx: \[emerg\] something"/);
        return true;
      },
    );
    assert.throws(() => splitNginxDump(''), /NGINX|nginx -T/);
  });

  test('output cut short', () => {
    assert.throws(
      () => splitNginxDump('# configuration file /etc/nginx/nginx.conf:\nhttp {'),
      (error: unknown) => {
        assert.ok(isCertPilotError(error, 'NGINX_CONFIG_INVALID'));
        assert.match(error.message, /cut short/);
        return true;
      },
    );
  });
});

describe('parseNginxDump', () => {
  const main = [
    'events {}',
    'http {',
    '    include mime.types;',
    '    include conf.d/*.conf;',
    '    include /etc/nginx/sites-enabled/*;',
    '    include not-dumped/*.conf;',
    '}',
    '',
  ].join('\n');

  test('includes expanded in sorted glob order', () => {
    const stdout = dumpOf([
      ['/etc/nginx/nginx.conf', main],
      ['/etc/nginx/mime.types', 'types { text/html html; }\n'],
      // Dump order differs from glob order on purpose: the expansion must sort.
      ['/etc/nginx/conf.d/b.conf', 'b_conf 1;\n'],
      ['/etc/nginx/conf.d/a.conf', 'a_conf 1;\ninclude snippets/inner.conf;\n'],
      ['/etc/nginx/conf.d/.hidden.conf', 'hidden 1;\n'],
      ['/etc/nginx/conf.d/a.conf.bak', 'backup 1;\n'],
      ['/etc/nginx/snippets/inner.conf', 'inner 1;\n'],
      ['/etc/nginx/sites-enabled/default', 'site_default 1;\n'],
      ['/etc/nginx/sites-enabled/Z-site', 'site_z 1;\n'],
    ]);
    const config = parseNginxDump(stdout, { prefix: '/etc/nginx' });

    assert.equal(config.mainFile, '/etc/nginx/nginx.conf');
    assert.equal(config.files.length, 9);
    assert.deepEqual(namesIn(config.directives), [
      'events',
      'http',
      'types',
      'text/html html',
      'a_conf 1',
      'inner 1',
      'b_conf 1',
      'site_z 1',
      'site_default 1',
    ]);
  });

  test('included directives keep their file', () => {
    const config = parseNginxDump(
      dumpOf([
        ['/etc/nginx/nginx.conf', 'http {\n  include conf.d/site.conf;\n}\n'],
        ['/etc/nginx/conf.d/site.conf', '\nserver {\n  listen 80;\n}\n'],
      ]),
      { prefix: '/etc/nginx/' },
    );
    const server = config.directives[0]?.block?.children[0];
    assert.equal(server?.name, 'server');
    assert.equal(server?.file, '/etc/nginx/conf.d/site.conf');
    assert.equal(server?.line, 2);
    assert.equal(server?.start, 1);
  });

  test('parsed trees are not shared', () => {
    const config = parseNginxDump(
      dumpOf([
        ['/etc/nginx/nginx.conf', 'http {\n  include s.conf;\n  include s.conf;\n}\n'],
        ['/etc/nginx/s.conf', 'server { include l.conf; }\n'],
        ['/etc/nginx/l.conf', 'listen 80;\n'],
      ]),
      { prefix: '/etc/nginx' },
    );
    const servers = config.directives[0]?.block?.children ?? [];
    assert.equal(servers.length, 2);
    assert.notEqual(servers[0], servers[1]);
    assert.equal(servers[0]?.block?.children[0]?.name, 'listen');
    assert.equal(servers[1]?.block?.children[0]?.name, 'listen');
  });

  test('glob brackets and question marks', () => {
    const config = parseNginxDump(
      dumpOf([
        ['/etc/nginx/nginx.conf', 'include c/[ab]?.conf;\ninclude c/[!ab]1.conf;\n'],
        ['/etc/nginx/c/a1.conf', 'a1;\n'],
        ['/etc/nginx/c/b2.conf', 'b2;\n'],
        ['/etc/nginx/c/c1.conf', 'c1;\n'],
        ['/etc/nginx/c/a12.conf', 'a12;\n'],
      ]),
      { prefix: '/etc/nginx' },
    );
    assert.deepEqual(namesIn(config.directives), ['a1', 'b2', 'c1']);
  });

  test('relative paths from a relative prefix', () => {
    const config = parseNginxDump(
      dumpOf([
        ['./conf/nginx.conf', 'include conf.d/*.conf;\n'],
        ['./conf/conf.d/a.conf', 'a 1;\n'],
      ]),
      { prefix: '/srv/nginx/conf' },
    );
    assert.equal(config.mainFile, '/srv/nginx/conf/nginx.conf');
    assert.deepEqual(
      config.files.map((file) => file.path),
      ['/srv/nginx/conf/nginx.conf', '/srv/nginx/conf/conf.d/a.conf'],
    );
    assert.deepEqual(namesIn(config.directives), ['a 1']);
  });

  test('prefix of another directory', () => {
    assert.throws(
      () => parseNginxDump(dumpOf([['/etc/nginx/nginx.conf', '']]), { prefix: '/usr/share/nginx' }),
      (error: unknown) => {
        assert.ok(isCertPilotError(error, 'NGINX_CONFIG_INVALID'));
        assert.match(error.message, /pass "\/etc\/nginx"/);
        return true;
      },
    );
  });

  test('relative prefix', () => {
    assert.throws(
      () => parseNginxDump(dumpOf([['/etc/nginx/nginx.conf', '']]), { prefix: 'etc/nginx' }),
      /not an absolute path/,
    );
  });

  test('include cycle', () => {
    assert.throws(
      () =>
        parseNginxDump(
          dumpOf([
            ['/etc/nginx/nginx.conf', 'include a.conf;\n'],
            ['/etc/nginx/a.conf', '\ninclude b.conf;\n'],
            ['/etc/nginx/b.conf', 'include a.conf;\n'],
          ]),
          { prefix: '/etc/nginx' },
        ),
      (error: unknown) => {
        assert.ok(isCertPilotError(error, 'NGINX_CONFIG_INVALID'));
        assert.equal(error.params.file, '/etc/nginx/b.conf');
        assert.equal(error.params.line, 1);
        assert.match(error.message, /includes itself/);
        return true;
      },
    );
  });

  test('include without one path', () => {
    assert.throws(
      () => parseNginxDump(dumpOf([['/etc/nginx/nginx.conf', 'http {\n  include;\n}\n']]), { prefix: '/etc/nginx' }),
      (error: unknown) => {
        assert.ok(isCertPilotError(error, 'NGINX_CONFIG_INVALID'));
        assert.match(error.message, /nginx\.conf:2: "include" takes exactly one path/);
        return true;
      },
    );
  });

  test('syntax error in included file', () => {
    assert.throws(
      () =>
        parseNginxDump(
          dumpOf([
            ['/etc/nginx/nginx.conf', 'include conf.d/*.conf;\n'],
            ['/etc/nginx/conf.d/bad.conf', 'server {\n  listen 80;\n'],
          ]),
          { prefix: '/etc/nginx' },
        ),
      (error: unknown) => {
        assert.ok(isCertPilotError(error, 'NGINX_CONFIG_INVALID'));
        assert.equal(error.params.file, '/etc/nginx/conf.d/bad.conf');
        assert.equal(error.params.line, 1);
        return true;
      },
    );
  });
});
