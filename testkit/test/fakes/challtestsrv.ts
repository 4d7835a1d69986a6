import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';

/** A pebble-challtestsrv process serving DNS on 127.0.0.1. */
export interface RunningChallTestSrv {
  dnsPort: number;
  managementUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts Debian's `pebble-challtestsrv` with only its DNS server and management API, on free
 * loopback ports. A missing binary fails the caller: install the `pebble` package.
 */
export async function startChallTestSrv(): Promise<RunningChallTestSrv> {
  const dnsPort = await freeUdpAndTcpPort();
  const managementPort = await freeTcpPort();
  const child = spawn(
    'pebble-challtestsrv',
    [
      '-defaultIPv6',
      '',
      '-dns01',
      `127.0.0.1:${dnsPort}`,
      '-management',
      `127.0.0.1:${managementPort}`,
      '-http01',
      '',
      '-https01',
      '',
      '-tlsalpn01',
      '',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const spawnFailure = new Promise<never>((_, reject) => child.once('error', reject));

  const managementUrl = `http://127.0.0.1:${managementPort}`;
  await Promise.race([waitForManagement(managementUrl, () => stderr), spawnFailure]);
  return { dnsPort, managementUrl, stop: () => stopProcess(child) };
}

async function waitForManagement(url: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      await fetch(`${url}/clear-txt`, { method: 'POST', body: JSON.stringify({ host: 'ready.check.' }) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`pebble-challtestsrv did not answer on ${url} within 5 s. Its stderr: ${stderr()}`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Returns a loopback port free for both UDP and TCP, because the DNS server listens on both. */
async function freeUdpAndTcpPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const socket = dgram.createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        const { port: bound } = socket.address();
        socket.close(() => resolve(bound));
      });
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
  throw new Error('Found no loopback port free for both UDP and TCP in 20 attempts');
}
