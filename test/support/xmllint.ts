import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let available: boolean | undefined;
const layouts = new Map<string, string>();

/** True when Debian's `xmllint` (libxml2-utils) is on PATH. */
export function xmllintAvailable(): boolean {
  available ??= spawnSync('xmllint', ['--version'], { stdio: 'ignore' }).error === undefined;
  return available;
}

/**
 * The GP2GP schemas include each other by paths from the NHS adaptor's repository layout
 * (`…/schema/src/main/resources/…`). Rather than copy them, a temporary folder recreates that layout with a symlink
 * to the schemas where they are, so every include resolves to one path.
 */
function schemaRoot(schemasDir: string): string {
  let root = layouts.get(schemasDir);
  if (!root) {
    // One fixed folder per schema location, shared by test workers and runs (nothing accumulates in /tmp).
    const base = join(tmpdir(), `lloyd-gp2gp-xsd-${createHash('sha1').update(schemasDir).digest('hex').slice(0, 12)}`);
    mkdirSync(join(base, 'schema', 'src', 'main'), { recursive: true });
    root = join(base, 'schema', 'src', 'main', 'resources');
    try {
      symlinkSync(schemasDir, root, 'dir');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || readlinkSync(root) !== schemasDir) throw err;
    }
    layouts.set(schemasDir, root);
  }
  return root;
}

export interface SchemaResult {
  valid: boolean;
  /** xmllint's messages (empty when valid). */
  errors: string[];
}

/**
 * Validates XML (given on stdin) with `xmllint --noout --schema <schemasDir>/schema/<schema>.xsd -`.
 * `schemasDir` is the GP2GP `schemas` folder from the shared data.
 */
export function validateWithXmllint(xml: string, schemasDir: string, schema: string): Promise<SchemaResult> {
  const xsd = join(schemaRoot(schemasDir), 'schema', `${schema}.xsd`);
  return new Promise((resolve, reject) => {
    const child = spawn('xmllint', ['--noout', '--nonet', '--schema', xsd, '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const errors = stderr.split('\n').filter((l) => l.trim() !== '' && !/ validates$/.test(l));
      resolve({ valid: code === 0, errors });
    });
    child.stdin.end(xml);
  });
}
