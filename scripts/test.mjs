#!/usr/bin/env node
// Runs every *.test.ts under the workspaces with node's test runner, TypeScript loaded by tsx.
// Node 20's `--test` does not expand globs itself, so the files are listed here.
// Usage: npm test [-- FILTER...]   (a FILTER keeps files whose path contains it)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOTS = ['core/test', 'agent/test', 'testkit/test', 'build/test', 'relay/test'];
const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function findTests(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = ROOTS.flatMap((dir) => findTests(join(root, dir)))
  .map((path) => relative(root, path))
  .filter((path) => filters.length === 0 || filters.some((filter) => path.includes(filter)))
  .sort();

if (files.length === 0) {
  console.error(`No test files match ${filters.join(' ') || 'the workspaces'}.`);
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  ['--conditions=source', '--import', 'tsx', '--test', '--test-concurrency=2', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
