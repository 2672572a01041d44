import { loadConfig } from '@lloyd/config';
import { runMain } from '@lloyd/platform';
import { JobQueue } from '@lloyd/store';
import { createWorkerApp, pingWorkers } from './bootstrap.js';

await runMain('transfer-worker', async () => {
  const config = loadConfig();
  const app = await createWorkerApp(config);
  await pingWorkers(app.get(JobQueue));
  console.log(`Lloyd transfer worker ready (queue: ${config.store.redisUrl ? 'BullMQ on Redis' : 'in-process'})`);
  return () => app.close();
});
