import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** Whether `moto_server` can be started here. */
export const haveMoto = spawnSync('moto_server', ['--help'], { encoding: 'utf8' }).status === 0;

export interface Moto {
  /** `http://localhost:PORT` ("localhost": moto reads any other host in a URL as a bucket name). */
  readonly endpoint: string;
  /** Forgets every resource (moto's reset API). */
  reset(): Promise<void>;
  stop(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** moto_server on a free port of the loopback interface, answering. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://localhost:${port}`;
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  await waitFor(`${endpoint}/moto-api/`, 30_000);
  return {
    endpoint,
    reset: async () => {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset answered ${res.status}`);
    },
    stop: () => void child.kill(),
  };
}
