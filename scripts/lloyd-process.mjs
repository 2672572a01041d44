// Runs one built Lloyd entry point as a child process that shares this terminal, and mirrors its end.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { root } from './ensure-built.mjs';

/**
 * Starts `dist/<entry>` with tracing preloaded. SIGINT and SIGTERM sent to this process are passed on, and then the
 * child ending by that signal is a clean stop (exit 0). Any other end is passed up: the child's exit code, or
 * 128 + the signal's number when something else killed it (as a shell reports it), so a supervisor sees the failure.
 */
export function runLloydProcess(entry) {
  const child = spawn(process.execPath, ['--import', join(root, 'dist/apps/gateway/src/otel.js'), join(root, entry)], {
    cwd: root,
    stdio: 'inherit',
  });
  const forwarded = new Set();
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      forwarded.add(signal);
      child.kill(signal);
    });
  }
  child.on('exit', (code, signal) => {
    if (code !== null) process.exit(code);
    process.exit(forwarded.has(signal) ? 0 : 128 + (constants.signals[signal] ?? 0));
  });
  return child;
}
