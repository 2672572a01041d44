import { readFileSync } from 'node:fs';
import { benchParse } from './extract/bench.js';

it('bench', async () => {
  const src = readFileSync('/work/shared/data/gp2gp/extracts/RCMRIN030000UK06__structuredRecord.xml', 'utf8');
  const start = src.indexOf('<component typeCode="COMP">', src.indexOf('</responsibleParty>'));
  const end = src.lastIndexOf('</ehrFolder>');
  const body = src.slice(start, end);
  let big = src.slice(0, start);
  while (big.length < 6e6) big += body;
  big += src.slice(end);
  const buf = Buffer.from(big);
  console.log('size', buf.length, 'MB/s', (await benchParse(buf, 5)).toFixed(1));
  const pw = readFileSync('/work/shared/data/gpconnect/ehr-extract-expected/9465700088_Mold_full_20210119.xml', 'utf8');
  const s2 = pw.indexOf('<component typeCode="COMP">', pw.indexOf('</responsibleParty>'));
  const e2 = pw.lastIndexOf('</ehrFolder>');
  let big2 = pw.slice(0, s2);
  while (big2.length < 6e6) big2 += pw.slice(s2, e2);
  big2 += pw.slice(e2);
  console.log('lab size', big2.length, 'MB/s', (await benchParse(Buffer.from(big2), 5)).toFixed(1));
}, 120000);
