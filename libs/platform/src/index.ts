export { CoreModule } from './core.module.js';
export { runMain } from './run-main.js';
