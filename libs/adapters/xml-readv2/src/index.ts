export { XmlReadV2Adapter, type XmlReadV2AdapterOptions } from './xml-readv2.adapter.js';
