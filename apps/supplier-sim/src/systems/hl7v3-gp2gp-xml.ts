/**
 * The HL7 V3 systems write their messages with the simulators' shared XML writer (namespaced names and `wrap` are
 * supported there); these names keep the HL7 code readable.
 */
export { XmlWriter as Hl7Writer, type XmlAttributes as Hl7Attributes } from './xml-writer.js';
