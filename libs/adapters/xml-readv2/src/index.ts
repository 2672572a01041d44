export { XmlReadV2Adapter, type XmlReadV2AdapterOptions } from './xml-readv2.adapter.js';
export { XmlReadV2Transfer, type XmlReadV2TransferOptions } from './xml-readv2.transfer.js';
