/**
 * The bare Fastify pass-through used as the read benchmark's baseline: for `GET /record/{nhs}` it makes the same two
 * calls to the XML supplier simulator that Lloyd's adapter makes (patient search, then the record) and streams the
 * record back untouched. What Lloyd adds on top (auth, access chain, translation, audit) is the difference.
 */
import Fastify from 'fastify';
import { request } from 'undici';

const target = process.env['PROXY_TARGET'] ?? 'http://127.0.0.1:8091';
const port = Number(process.env['PROXY_PORT'] ?? 8099);
const app = Fastify({ logger: false });

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

await app.listen({ port, host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
