// `npm start`: builds if needed, then runs gateway + transfer worker + built-in supplier simulators in one process.
import { ensureBuilt } from './ensure-built.mjs';
import { runLloydProcess } from './lloyd-process.mjs';

ensureBuilt();
runLloydProcess('dist/apps/all-in-one/src/main.js');
