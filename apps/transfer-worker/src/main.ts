import { ConfigError, loadConfig } from '@lloyd/config';
import { runMain } from '@lloyd/platform';
import { JobQueue } from '@lloyd/store';
import { createWorkerApp, pingWorkers } from './bootstrap.js';

await runMain('transfer-worker', async () => {
  const config = loadConfig();
  // On the in-process store a worker of its own would share nothing with any gateway, and would find no work.
  if (!config.store.redisUrl) {
    throw new ConfigError(
      'A separate transfer worker needs the queue the gateways use: set REDIS_URL (store.redisUrl) to their Redis. ' +
        'For a single node, run npm start, which includes a worker.',
    );
  }
  const app = await createWorkerApp(config);
  await pingWorkers(app.get(JobQueue));
  console.log(`Lloyd transfer worker ready (queue: ${config.store.redisUrl ? 'BullMQ on Redis' : 'in-process'})`);
  return () => app.close();
});
