/**
 * The bare Fastify pass-through used as the read benchmark's baseline: for `GET /record/{nhs}` it makes the same two
 * calls to the XML supplier simulator that Lloyd's adapter makes (patient search, then the record) and streams the
 * record back untouched. What Lloyd adds on top (auth, access chain, translation, audit) is the difference.
 */
import Fastify from 'fastify';

const target = process.env['PROXY_TARGET'] ?? 'http://127.0.0.1:8091';
const port = Number(process.env['PROXY_PORT'] ?? 8099);
const app = Fastify({ logger: false });

app.get('/health', () => ({ status: 'ok' }));
app.get<{ Params: { nhs: string } }>('/record/:nhs', async (request, reply) => {
  const search = await fetch(`${target}/patients?nhsNumber=${request.params.nhs}`);
  await search.arrayBuffer();
  const record = await fetch(`${target}/patients/${request.params.nhs}/record`);
  return reply
    .code(record.status)
    .type(record.headers.get('content-type') ?? 'application/xml')
    .send(Buffer.from(await record.arrayBuffer()));
});

await app.listen({ port, host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
