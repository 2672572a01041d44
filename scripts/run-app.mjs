// Runs one Lloyd process (gateway, transfer-worker or supplier-sim) from dist/, building first if needed.
import { ensureBuilt } from './ensure-built.mjs';
import { runLloydProcess } from './lloyd-process.mjs';

const apps = ['gateway', 'transfer-worker', 'supplier-sim'];
const name = process.argv[2];
if (!apps.includes(name)) {
  process.stderr.write(`Usage: node scripts/run-app.mjs <${apps.join('|')}>\n`);
  process.exit(2);
}
ensureBuilt();
runLloydProcess(`dist/apps/${name}/src/main.js`);
