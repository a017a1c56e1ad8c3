// Starts the platform for the end-to-end suite: a fresh PostgreSQL database (created here and
// dropped at the end) and the dev-mode launcher (identity provider, backend serving
// frontend/dist, event processor, demo data). E2E_IDP=keycloak runs real Keycloak (the pinned
// version, `make services`) instead of the test realm. E2E_BASE_URL reuses a running platform.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const PG = { host: process.env.PGHOST ?? '127.0.0.1', port: process.env.PGPORT ?? '5432', user: process.env.PGUSER ?? 'postgres' };
const READY = 'devmode: ready';
const IDP = process.env.E2E_IDP ?? 'testrealm';
// Real Keycloak takes one to two minutes to start on a busy machine.
const START_TIMEOUT_MS = IDP === 'keycloak' ? 420_000 : 240_000;

/** What the dev-mode launcher writes to devmode.json: the demo users, sites and resources. */
export type Demo = Record<string, unknown>;

export interface Stack {
  baseUrl: string;
  demo: Demo | null;
  stop: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => ok(port));
    });
  });
}

function psql(sql: string) {
  execFileSync('psql', ['-h', PG.host, '-p', PG.port, '-U', PG.user, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qc', sql], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export async function startStack({ receiverHost = '127.0.0.1' } = {}): Promise<Stack> {
  if (process.env.E2E_BASE_URL) {
    const baseUrl = process.env.E2E_BASE_URL.replace(/\/$/, '');
    return { baseUrl, demo: null, stop: async () => undefined };
  }
  const database = `reservation_e2e_${process.pid}_${Date.now().toString(36)}`;
  psql(`CREATE DATABASE ${database}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'reservation-e2e-'));
  // Every port free, the mail sink's too: another platform in dev mode may run on this machine.
  const [api, idp, processor, webhook, ssh, smtp, mail] = await Promise.all(Array.from({ length: 7 }, () => freePort()));
  const child: ChildProcess = spawn(
    'uv',
    [
      'run', '--frozen', 'python', 'devmode/run.py', '--data-dir', dataDir, '--no-frontend-build',
      '--api-port', String(api), '--idp-port', String(idp), '--processor-port', String(processor),
      '--webhook-port', String(webhook), '--switch-ssh-port', String(ssh), '--receiver-host', receiverHost,
      '--smtp-port', String(smtp), '--mail-port', String(mail),
      '--idp', IDP,
    ],
    {
      cwd: REPO,
      env: { ...process.env, DATABASE_URL: `postgresql://${PG.user}@${PG.host}:${PG.port}/${database}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (process.env.E2E_VERBOSE) process.stderr.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise<void>((ok) => {
        const timer = setTimeout(() => {
          try {
            if (child.pid) process.kill(-child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
          ok();
        }, 20_000);
        child.once('exit', () => {
          clearTimeout(timer);
          ok();
        });
      });
    }
    try {
      psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    } catch (error) {
      console.error(`could not drop ${database}: ${error}`);
    }
    if (process.env.E2E_KEEP) console.log(`kept ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`platform not ready after ${START_TIMEOUT_MS / 1000}s`)), START_TIMEOUT_MS);
      const check = () => {
        if (output.includes(READY)) {
          clearTimeout(timer);
          ok();
        }
      };
      child.stdout?.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`dev-mode launcher exited with ${code}`));
      });
    });
  } catch (error) {
    console.error(output.split('\n').slice(-40).join('\n'));
    await stop();
    throw error;
  }
  const demo = JSON.parse(readFileSync(join(dataDir, 'devmode.json'), 'utf8')) as Demo;
  return { baseUrl: `http://127.0.0.1:${api}`, demo, stop };
}
