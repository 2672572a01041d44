import { describeWithSharedData, sharedDataPath } from './shared-data.js';
import { validateWithXmllint, xmllintAvailable, type SchemaResult } from './xmllint.js';

export type SchemaValidator = (xml: string, schema: string) => Promise<SchemaResult>;

const MISSING =
  'xmllint not found: install it (apt-get install -y libxml2-utils) to validate GP2GP messages against the schemas';

/**
 * A suite that validates messages with `xmllint` against the GP2GP schemas in `../shared/data`. Without the data
 * it behaves like `describeWithSharedData`; without xmllint it is skipped loudly, or fails when
 * `REQUIRE_SHARED_DATA=1` (as CI sets it).
 */
export function describeWithSchemas(title: string, fn: (validate: SchemaValidator) => void): void {
  const schemas = sharedDataPath('gp2gp', 'schemas');
  const validate: SchemaValidator = (xml, schema) => validateWithXmllint(xml, schemas, schema);
  if (xmllintAvailable()) {
    describeWithSharedData(title, () => fn(validate));
    return;
  }
  if (process.env['REQUIRE_SHARED_DATA'] === '1') {
    describe(title, () => {
      it('needs xmllint', () => {
        throw new Error(`${MISSING}; REQUIRE_SHARED_DATA=1 makes this a failure.`);
      });
    });
    return;
  }
  console.warn(
    `\n*** ${MISSING}. SKIPPING "${title}"; CI sets REQUIRE_SHARED_DATA=1, which makes this a failure. ***\n`,
  );
  // eslint-disable-next-line jest/no-disabled-tests -- the announced skip when xmllint is missing (see above)
  describe.skip(title, () => fn(validate));
}

/** Fails with xmllint's messages unless the XML is valid. */
export async function expectSchemaValid(validate: SchemaValidator, xml: string, schema: string): Promise<void> {
  const result = await validate(xml, schema);
  if (!result.valid) throw new Error(`Not valid against ${schema}.xsd:\n${result.errors.slice(0, 20).join('\n')}`);
}
