import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from '@lloyd/config';

/** The NHS sample data folder that sits beside a checkout in development and CI (never copied into the project). */
export const SHARED_DATA_DIR = resolve(projectRoot(), '..', 'shared', 'data');

export function sharedDataPath(...parts: string[]): string {
  return join(SHARED_DATA_DIR, ...parts);
}

export function sharedDataAvailable(): boolean {
  return existsSync(SHARED_DATA_DIR);
}

/**
 * A describe block for suites that read `../shared/data`. Without the folder (a fresh clone) the suite is skipped
 * with a clear message; with `REQUIRE_SHARED_DATA=1` (CI) a missing folder fails the suite instead.
 */
export function describeWithSharedData(title: string, fn: () => void): void {
  if (sharedDataAvailable()) {
    describe(title, fn);
    return;
  }
  if (process.env['REQUIRE_SHARED_DATA'] === '1') {
    describe(title, () => {
      it('needs the shared NHS sample data', () => {
        throw new Error(
          `${SHARED_DATA_DIR} not found, and REQUIRE_SHARED_DATA=1: put the shared/ folder beside the checkout.`,
        );
      });
    });
    return;
  }
  console.warn(
    `\n*** ../shared/data not found (${SHARED_DATA_DIR}): the NHS sample-message suites are skipped ("${title}"); ` +
      'CI sets REQUIRE_SHARED_DATA=1, which makes this a failure. ***\n',
  );
  // The suite's body is not run at all: it lists the sample files when it is collected, and they are not there.
  describe(title, () => {
    // eslint-disable-next-line jest/no-disabled-tests -- deliberate, announced skip when the optional data is absent
    it.skip(`needs the shared NHS sample data (${SHARED_DATA_DIR})`, () => undefined);
  });
}
