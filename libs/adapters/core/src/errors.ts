/** Which supplier system failed: its practice and its native format. */
export interface SupplierIdentity {
  readonly ods: string;
  readonly format: string;
}

export interface SupplierErrorOptions extends SupplierIdentity {
  /** What went wrong, in a few words (no patient data). */
  readonly detail: string;
  readonly cause?: unknown;
}

/**
 * Base of the errors adapters throw. The message names the practice and format, says what happened and what to do
 * about it; `hint` holds the last part alone.
 */
export abstract class SupplierError extends Error {
  readonly ods: string;
  readonly format: string;
  readonly detail: string;
  /** What happened, without the advice: the message less {@link hint}. */
  readonly summary: string;
  /** What Lloyd's operators should do about it (the end of the message), for a record-view call. */
  abstract readonly hint: string;
  /**
   * What to do about it when the call was part of a GP2GP transfer, which Lloyd makes under its own deadline
   * (`gp2gp.supplierCallTimeoutMs`) and retries for `gp2gp.stepRetryForMs` before failing the transfer.
   */
  abstract readonly transferHint: string;

  protected constructor(what: string, hint: string, options: SupplierErrorOptions) {
    const summary = `Supplier system of practice ${options.ods} (${options.format}) ${what}: ${options.detail}.`;
    super(`${summary} ${hint}`, { cause: options.cause });
    this.summary = summary;
    this.name = new.target.name;
    this.ods = options.ods;
    this.format = options.format;
    this.detail = options.detail;
  }
}

const UNAVAILABLE_HINT =
  'Check that the system is running and reachable at the base URL configured for this practice; Lloyd reports the practice as unavailable (502) until it answers.';

const UNAVAILABLE_TRANSFER_HINT =
  'Check that the system is running and reachable at the base URL configured for this practice; once it answers, ' +
  'request the transfer again (Lloyd retries an outage for gp2gp.stepRetryForMs before giving up).';

/** The system cannot be reached or is failing: connection refused or reset, or a 5xx answer. */
export class SupplierUnavailableError extends SupplierError {
  readonly hint = UNAVAILABLE_HINT;
  readonly transferHint = UNAVAILABLE_TRANSFER_HINT;
  /** The HTTP status, when the system answered with one. */
  readonly status: number | undefined;

  constructor(options: SupplierErrorOptions & { status?: number }) {
    super('is unavailable', UNAVAILABLE_HINT, options);
    this.status = options.status;
  }
}

const TIMEOUT_HINT =
  "The call was aborted by its deadline or its caller. If the system is merely slow, raise this supplier's timeoutMs in the configuration; otherwise check the system's health.";

const TIMEOUT_TRANSFER_HINT =
  "GP2GP transfer calls are limited by gp2gp.supplierCallTimeoutMs, not by the supplier's timeoutMs: if the system " +
  "is merely slow (a large record), raise gp2gp.supplierCallTimeoutMs; otherwise check the system's health. Then " +
  'request the transfer again.';

/** The call was aborted through the context's signal (deadline reached or caller gone). */
export class SupplierTimeoutError extends SupplierError {
  readonly hint = TIMEOUT_HINT;
  readonly transferHint = TIMEOUT_TRANSFER_HINT;

  constructor(options: SupplierErrorOptions) {
    super('did not answer in time', TIMEOUT_HINT, options);
  }
}

const PROTOCOL_HINT =
  'Check that the format configured for this practice matches the system and version at its base URL; the answer was not used.';

const PROTOCOL_TRANSFER_HINT =
  "Check that the format configured for this practice matches the system and version at its base URL, and the system's " +
  'own logs for the call (x-correlation-id); then request the transfer again.';

/** The system answered, but not in a form the adapter understands (malformed, unexpected status or shape). */
export class SupplierProtocolError extends SupplierError {
  readonly hint = PROTOCOL_HINT;
  readonly transferHint = PROTOCOL_TRANSFER_HINT;

  constructor(options: SupplierErrorOptions) {
    super('gave an answer Lloyd cannot use', PROTOCOL_HINT, options);
  }
}

/**
 * A document is larger than Lloyd serves through the record view (GP Connect allows 5 MB per document). Not a fault
 * of the system, and not worth a retry: the caller answers that the document must be obtained another way.
 */
export class DocumentTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the document is larger than the ${maxBytes} bytes the record view serves`);
    this.name = 'DocumentTooLargeError';
  }
}
