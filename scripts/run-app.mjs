// Runs one Lloyd process (gateway, transfer-worker or supplier-sim) from dist/, building first if needed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, root } from './ensure-built.mjs';

const apps = ['gateway', 'transfer-worker', 'supplier-sim'];
const name = process.argv[2];
if (!apps.includes(name)) {
  process.stderr.write(`Usage: node scripts/run-app.mjs <${apps.join('|')}>\n`);
  process.exit(2);
}
ensureBuilt();
const child = spawn(
  process.execPath,
  ['--import', join(root, 'dist/apps/gateway/src/otel.js'), join(root, 'dist/apps', name, 'src/main.js')],
  { cwd: root, stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
