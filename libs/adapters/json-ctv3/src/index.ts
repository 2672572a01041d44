export { JsonCtv3Adapter, type JsonCtv3AdapterOptions } from './json-ctv3.adapter.js';
export { ALLERGY_END_EXTENSION } from './record/context.js';
export { JsonCtv3Transfer, type JsonCtv3TransferOptions } from './transfer/json-ctv3.transfer.js';
