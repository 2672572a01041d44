export { Hl7v3ExtractAdapter, type Hl7v3ExtractAdapterOptions } from './hl7v3-extract.adapter.js';
export { Hl7v3ExtractTransfer } from './hl7v3-extract.transfer.js';
export { LOCAL_CODE_OIDS } from './complete-record.js';
