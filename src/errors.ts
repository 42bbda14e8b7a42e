/**
 * A stable code for each validation rule of the library. An error carries the codes of every
 * problem it reports; match on the code and the prop, not on the wording, which may improve.
 *
 * Each value is its member name (`NAME_FORMAT = 'NAME_FORMAT'`): jsii gives other languages the
 * member names, so the `[NAME_FORMAT]` that ends a problem in a message is the same in every language.
 */
export enum ValidationErrorCode {
  /** A topic or queue name with characters or a length its service does not accept. */
  NAME_FORMAT = 'NAME_FORMAT',
  /** A physical name another topic or queue of the app already uses in the same account and region. */
  NAME_COLLISION = 'NAME_COLLISION',
  /** A KMS alias with a reserved prefix or characters KMS does not accept. */
  KEY_ALIAS = 'KEY_ALIAS',
  /** `keyAlias` next to `encryptionKey`. */
  KEY_ALIAS_WITH_KEY = 'KEY_ALIAS_WITH_KEY',
  /** A number or duration outside the range the service accepts. */
  OUT_OF_RANGE = 'OUT_OF_RANGE',
  /** A string longer than the service accepts. */
  TOO_LONG = 'TOO_LONG',
  /** A signature version other than '1' or '2'. */
  SIGNATURE_VERSION = 'SIGNATURE_VERSION',
  /** Active X-Ray tracing on a FIFO topic. */
  FIFO_TRACING = 'FIFO_TRACING',
  /** High-throughput settings that contradict each other. */
  HIGH_THROUGHPUT = 'HIGH_THROUGHPUT',
  /** A construct id already taken in its scope. */
  ID_TAKEN = 'ID_TAKEN',
  /** `RemovalPolicy.SNAPSHOT` on a queue or key. */
  REMOVAL_POLICY = 'REMOVAL_POLICY',
  /** An AWS managed key, which can never admit SNS. */
  AWS_MANAGED_KEY = 'AWS_MANAGED_KEY',
  /** An asymmetric key. */
  KEY_SPEC = 'KEY_SPEC',
  /** A key in another region. */
  KEY_REGION = 'KEY_REGION',
  /** A standard queue where SNS requires a FIFO one (a FIFO topic's subscription DLQ). */
  NOT_FIFO = 'NOT_FIFO',
  /** A queue not encrypted with a customer managed key. */
  NOT_CMK_ENCRYPTED = 'NOT_CMK_ENCRYPTED',
  /** A subscription DLQ outside the subscription's account or region. */
  DLQ_ENVIRONMENT = 'DLQ_ENVIRONMENT',
  /** A subscriber in another region than its topic. */
  CROSS_REGION = 'CROSS_REGION',
  /** Filter policies on attributes and on the body together. */
  FILTER_SCOPE = 'FILTER_SCOPE',
  /** A filter policy over SNS's limits (keys, combinations of values). */
  FILTER_POLICY_LIMIT = 'FILTER_POLICY_LIMIT',
  /** Private endpoints without the service's endpoint, or none at all. */
  ENDPOINT_MISSING = 'ENDPOINT_MISSING',
  /** A VPC or service selection endpoints cannot be created in. */
  ENDPOINT_PLACEMENT = 'ENDPOINT_PLACEMENT',
  /** An ARN that does not name what the prop needs. */
  ARN_FORMAT = 'ARN_FORMAT',
  /** Alarm settings that cannot work. */
  ALARM_SETTINGS = 'ALARM_SETTINGS',
  /** A Lambda consumer wired against AWS's SQS event source guidance. */
  LAMBDA_CONSUMER = 'LAMBDA_CONSUMER',
  /** A subscribed queue whose policy does not let SNS send from the topic (delivery checks). */
  SNS_QUEUE_POLICY = 'SNS_QUEUE_POLICY',
  /** A subscribed queue whose key policy does not let SNS use the key for the topic (delivery checks). */
  SNS_KEY_POLICY = 'SNS_KEY_POLICY',
  /** A subscription DLQ whose queue or key policy does not admit SNS for the topic (delivery checks). */
  SNS_DLQ_ACCESS = 'SNS_DLQ_ACCESS',
  /** A queue SNS delivers into encrypted with a disabled key (delivery checks). */
  KEY_DISABLED = 'KEY_DISABLED',
  /** A retired key that is also the key that encrypts. */
  RETIRED_KEY = 'RETIRED_KEY',
  /** A pending key that is also the encryption key or a retired key. */
  PENDING_KEY = 'PENDING_KEY',
  /**
   * `retireOwnKey` without a key to move to (`encryptionKey`), on a subscriber that has no key of its
   * own, or together with a copy of the own key in `retiredKeys`.
   */
  RETIRE_OWN_KEY = 'RETIRE_OWN_KEY',
  /**
   * A standard subscriber whose retention leaves its dead-letter queue no time: SQS deletes a
   * standard queue's message at the DLQ's retention counted from the original send.
   */
  DEAD_LETTER_EXPIRY = 'DEAD_LETTER_EXPIRY',
  /** A service principal admitted on a key without the scope AWS documents for it (`FifoKey.allowServicePrincipal`). */
  SERVICE_PRINCIPAL = 'SERVICE_PRINCIPAL',
}

/**
 * Recognizes the library's validation errors (as aws-cdk-lib's `Errors.isValidationError` does).
 * These helpers read properties of the JavaScript error, so they work in TypeScript and
 * JavaScript; in other languages, read the codes from the message, where each problem ends with
 * `[CODE]`, the `ValidationErrorCode` member name (Python: `ValidationErrorCode.NAME_FORMAT.value`).
 */
export class SecureFifoErrors {
  /**
   * Whether `error` is a validation error of this library.
   *
   * @param error anything caught
   */
  public static isValidationError(error: any): boolean {
    return error instanceof Error && (error as { secureFifoCodes?: unknown }).secureFifoCodes !== undefined;
  }

  /**
   * The codes of the problems a validation error reports, in order; empty for any other error.
   *
   * @param error anything caught
   */
  public static codesOf(error: any): ValidationErrorCode[] {
    return SecureFifoErrors.isValidationError(error) ? [...(error as { secureFifoCodes: ValidationErrorCode[] }).secureFifoCodes] : [];
  }

  /**
   * The props a validation error names, in order (parallel to `codesOf`); empty for any other error.
   *
   * @param error anything caught
   */
  public static propsOf(error: any): string[] {
    return SecureFifoErrors.isValidationError(error) ? [...(error as { secureFifoProps: string[] }).secureFifoProps] : [];
  }

  private constructor() {}
}
