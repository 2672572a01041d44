/**
 * The bare Fastify pass-throughs used as the read benchmark's baselines. For `GET /record/{nhs}` it makes the same
 * two calls to the XML supplier simulator that Lloyd's adapter makes (patient search, then the record) and streams
 * the record back untouched. What Lloyd adds on top (auth, access chain, translation, audit) is the difference.
 *
 * `GET /revalidating/{nhs}` does the same, but as Lloyd's adapter does: it keeps each answer with its ETag and asks
 * with `If-None-Match`, sending the kept record on a 304. It shows how fast a pass-through can go when the supplier
 * answers "not modified", which is the headroom Lloyd works within. `nest-proxy.ts` is the same revalidating
 * pass-through written as a Nest controller, which separates the framework's cost from Lloyd's own.
 */
import Fastify from 'fastify';
import { request } from 'undici';
import { revalidatingClient } from './revalidating.js';

const target = process.env['PROXY_TARGET'] ?? 'http://127.0.0.1:8091';
const port = Number(process.env['PROXY_PORT'] ?? 8099);
const app = Fastify({ logger: false });

const revalidated = revalidatingClient();

app.get('/health', () => ({ status: 'ok' }));
// The same HTTP client as Lloyd's adapters (undici's request), so the difference is Lloyd's own work.
app.get<{ Params: { nhs: string } }>('/record/:nhs', async (req, reply) => {
  const search = await request(`${target}/patients?nhsNumber=${req.params.nhs}`);
  await search.body.arrayBuffer();
  const record = await request(`${target}/patients/${req.params.nhs}/record`);
  const type = record.headers['content-type'];
  return reply
    .code(record.statusCode)
    .type(typeof type === 'string' ? type : 'application/xml')
    .send(Buffer.from(await record.body.arrayBuffer()));
});
app.get<{ Params: { nhs: string } }>('/revalidating/:nhs', async (req, reply) => {
  await revalidated(`${target}/patients?nhsNumber=${req.params.nhs}`);
  const record = await revalidated(`${target}/patients/${req.params.nhs}/record`);
  return reply.code(record.status).type(record.type).send(record.body);
});

await app.listen({ port, host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
