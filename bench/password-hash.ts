// Benchmark: the time one password hash takes (PBKDF2-HMAC-SM3, 32-byte key, 16-byte salt) at
// the default iteration count, with node:crypto's SM3 and with the sm-crypto fallback that runs
// where OpenSSL has no SM3 (Electron). The native figure is what sizes DEFAULT_PASSWORD_ITERATIONS.
//
// Usage: node --conditions=source --import tsx bench/password-hash.ts [native runs] [fallback runs]
// (defaults 20 and 3). Results go to stdout as a Markdown table; copy them into BENCHMARKS.md
// with the machine's description.
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { DEFAULT_PASSWORD_ITERATIONS } from '../core/src/security/password.js';
import { pbkdf2Sm3 } from '../core/src/security/pbkdf2-sm3.js';
import { fallbackSm3, nativeSm3, type Sm3Implementation } from '../core/src/security/sm3.js';

interface Measurement {
  medianMs: number;
  minMs: number;
  maxMs: number;
}

/** Hashes a fresh salt `runs` times after one warm-up hash; returns median, min and max in ms. */
async function measure(implementation: Sm3Implementation, iterations: number, runs: number): Promise<Measurement> {
  await pbkdf2Sm3('warm-up password', randomBytes(16), iterations, 32, implementation);
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const salt = randomBytes(16);
    const started = process.hrtime.bigint();
    await pbkdf2Sm3('Bench-password-1', salt, iterations, 32, implementation);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, minMs: times[0]!, maxMs: times.at(-1)! };
}

function row(name: string, iterations: number, runs: number, { medianMs, minMs, maxMs }: Measurement): string {
  const perIterationUs = (medianMs * 1000) / iterations;
  return `| ${name} | ${iterations} | ${runs} | ${medianMs.toFixed(1)} | ${minMs.toFixed(1)}–${maxMs.toFixed(1)} | ${perIterationUs.toFixed(2)} |`;
}

async function main(): Promise<void> {
  const nativeRuns = Number(process.argv[2] ?? 20);
  const fallbackRuns = Number(process.argv[3] ?? 3);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`Machine: ${cpus().length} × ${cpu}, Node ${process.version}, OpenSSL ${process.versions.openssl}\n`);
  console.log('| SM3 implementation | iterations | runs | median (ms) | min–max (ms) | µs per iteration |');
  console.log('|---|---|---|---|---|---|');
  if (nativeSm3 === undefined) {
    console.log('| node:crypto | – | – | no sm3 in this runtime | – | – |');
  } else {
    for (const iterations of [
      DEFAULT_PASSWORD_ITERATIONS / 2,
      DEFAULT_PASSWORD_ITERATIONS,
      DEFAULT_PASSWORD_ITERATIONS * 2,
    ]) {
      console.log(row(nativeSm3.name, iterations, nativeRuns, await measure(nativeSm3, iterations, nativeRuns)));
    }
  }
  const fallback = await measure(fallbackSm3, DEFAULT_PASSWORD_ITERATIONS, fallbackRuns);
  console.log(row(fallbackSm3.name, DEFAULT_PASSWORD_ITERATIONS, fallbackRuns, fallback));
}

await main();
