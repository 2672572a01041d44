import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '@lloyd/config';
import { main as tokenMain } from '../../cli/src/token.js';

/** A child process of the benchmark, stopped with SIGTERM (then SIGKILL) when the run ends. */
export interface Child {
  name: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function distEntry(...parts: string[]): string {
  return join(projectRoot(), 'dist', ...parts);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function startChild(name: string, entry: string, env: Record<string, string>, args: string[] = []): Child {
  const child = spawn(process.execPath, [...args, entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.once('exit', (code, signal) => {
    if (code && code !== 0) process.stderr.write(`bench: ${name} exited with ${code ?? signal}:\n${stderr}\n`);
  });
  return {
    name,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Polls a URL until it answers 2xx, so the benchmark starts measuring only when every process is ready. */
export async function waitFor(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not become ready within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Starts a private redis-server (AOF everysec, as in production) for a benchmark run. */
export async function startRedisChild(dir: string): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--dir',
      dir,
      '--maxmemory-policy',
      'noeviction',
    ],
    {
      stdio: 'ignore',
    },
  );
  const handle: Child = {
    name: 'redis',
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline)
      throw new Error('redis-server did not start: is it installed (apt-get install -y redis-server)?');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `redis://127.0.0.1:${port}`, child: handle };
}

/** Peak resident memory (VmHWM) of a process in MB, read from /proc; undefined where /proc is not available. */
export function peakRssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** The machine a benchmark ran on, for its JSON report. */
export function machineInfo(): { cpus: number; model: string; memoryGb: number; node: string } {
  return {
    cpus: availableParallelism(),
    model: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** Resets a process's peak RSS (VmHWM) to its current RSS, so a later reading covers only what follows. */
export function resetPeakRss(pid: number | undefined): void {
  if (!pid) return;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not Linux, or not permitted: the reading then covers the whole run, which only overstates the peak.
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined where /proc is missing. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    // Fields after the command name (which may hold spaces) start at state; utime and stime are fields 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** An access token for a dev client from a running Lloyd, through the real token CLI. */
export async function devToken(baseUrl: string, client: string, extra: string[] = []): Promise<string> {
  let out = '';
  let err = '';
  const code = await tokenMain(['--client', client, ...extra, '--base-url', baseUrl], {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
  });
  if (code !== 0) throw new Error(`could not get a token: ${err}`);
  return out.trim();
}
