// `npm start`: builds if needed, then runs gateway + transfer worker + built-in supplier simulators in one process.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, root } from './ensure-built.mjs';

ensureBuilt();
const child = spawn(
  process.execPath,
  ['--import', join(root, 'dist/apps/gateway/src/otel.js'), join(root, 'dist/apps/all-in-one/src/main.js')],
  { cwd: root, stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
