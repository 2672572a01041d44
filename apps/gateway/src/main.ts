import { loadConfig } from '@lloyd/config';
import { createGatewayApp } from './bootstrap.js';
import { runMain } from '@lloyd/platform';

await runMain('gateway', async () => {
  const config = loadConfig();
  const app = await createGatewayApp(config);
  await app.listen(config.server.port, config.server.host);
  const url = `http://${config.server.host}:${config.server.port}`;
  console.log(`Lloyd gateway listening on ${url}`);
  console.log(`ready: ${url}/fhir/metadata`);
  return () => app.close();
});
