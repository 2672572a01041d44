import { loadConfig, type LloydConfig } from '@lloyd/config';
import { runMain } from '@lloyd/platform';
import { JobQueue } from '@lloyd/store';
import { createGatewayApp } from '../../gateway/src/bootstrap.js';
import { startSimulators } from '../../supplier-sim/src/server.js';
import { pingWorkers } from '../../transfer-worker/src/bootstrap.js';
import { WorkerModule } from '../../transfer-worker/src/worker.module.js';

/** Port a configured supplier URL points at, so the embedded simulator can listen where Lloyd will call it. */
function portOf(config: LloydConfig, ods: string): number | undefined {
  const supplier = config.suppliers.find((s) => s.ods === ods);
  return supplier ? Number(new URL(supplier.baseUrl).port) : undefined;
}

await runMain('lloyd', async () => {
  let config = loadConfig();
  let closeSimulators = async () => {};
  if (config.simulators.embedded) {
    const sims = await startSimulators({
      seed: config.simulators.seed,
      host: config.server.host,
      ports: {
        P10001: portOf(config, 'P10001'),
        P20002: portOf(config, 'P20002'),
        P30003: portOf(config, 'P30003'),
        P40004: portOf(config, 'P40004'),
      },
    });
    closeSimulators = () => sims.close();
    const suppliers = config.suppliers.map((s) => ({
      ...s,
      baseUrl: sims.urls[s.ods as keyof typeof sims.urls] ?? s.baseUrl,
    }));
    config = loadConfig({ overrides: { suppliers } });
    for (const [ods, url] of Object.entries(sims.urls)) console.log(`supplier simulator ${ods}: ${url}`);
  }
  const app = await createGatewayApp(config, { mount: [WorkerModule] });
  await app.listen(config.server.port, config.server.host);
  await pingWorkers(app.get(JobQueue));
  // The address actually bound (PORT=0 lets the system choose).
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = `http://${config.server.host}:${port}`;
  console.log(
    `Lloyd (gateway + transfer worker${config.simulators.embedded ? ' + supplier simulators' : ''}) listening on ${url}`,
  );
  console.log(
    `  store and queue: ${config.store.redisUrl ? `Redis at ${new URL(config.store.redisUrl).host}` : 'in-process'}`,
  );
  const baseUrl = port === 8080 && config.server.host === '127.0.0.1' ? '' : ` --base-url ${url}`;
  console.log(`  get a token:     npm run -s token -- --client hospital-epr --practitioner G1234567${baseUrl}`);
  console.log(`ready: ${url}/fhir/metadata`);
  return async () => {
    await app.close();
    await closeSimulators();
  };
});
