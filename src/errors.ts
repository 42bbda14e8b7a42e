/**
 * A stable code for each validation rule of the library. An error carries the codes of every
 * problem it reports; match on the code and the prop, not on the wording, which may improve.
 */
export enum ValidationErrorCode {
  /** A topic or queue name with characters or a length its service does not accept. */
  NAME_FORMAT = 'NameFormat',
  /** A physical name another topic or queue of the app already uses in the same account and region. */
  NAME_COLLISION = 'NameCollision',
  /** A KMS alias with a reserved prefix or characters KMS does not accept. */
  KEY_ALIAS = 'KeyAlias',
  /** `keyAlias` next to `encryptionKey`. */
  KEY_ALIAS_WITH_KEY = 'KeyAliasWithKey',
  /** A number or duration outside the range the service accepts. */
  OUT_OF_RANGE = 'OutOfRange',
  /** A string longer than the service accepts. */
  TOO_LONG = 'TooLong',
  /** A signature version other than '1' or '2'. */
  SIGNATURE_VERSION = 'SignatureVersion',
  /** Active X-Ray tracing on a FIFO topic. */
  FIFO_TRACING = 'FifoTracing',
  /** High-throughput settings that contradict each other. */
  HIGH_THROUGHPUT = 'HighThroughput',
  /** A construct id already taken in its scope. */
  ID_TAKEN = 'IdTaken',
  /** `RemovalPolicy.SNAPSHOT` on a queue or key. */
  REMOVAL_POLICY = 'RemovalPolicy',
  /** An AWS managed key, which can never admit SNS. */
  AWS_MANAGED_KEY = 'AwsManagedKey',
  /** An asymmetric key. */
  KEY_SPEC = 'KeySpec',
  /** A key in another region. */
  KEY_REGION = 'KeyRegion',
  /** A standard queue where SNS requires a FIFO one (a FIFO topic's subscription DLQ). */
  NOT_FIFO = 'NotFifo',
  /** A queue not encrypted with a customer managed key. */
  NOT_CMK_ENCRYPTED = 'NotCmkEncrypted',
  /** A subscription DLQ outside the subscription's account or region. */
  DLQ_ENVIRONMENT = 'DlqEnvironment',
  /** A subscriber in another region than its topic. */
  CROSS_REGION = 'CrossRegion',
  /** Filter policies on attributes and on the body together. */
  FILTER_SCOPE = 'FilterScope',
  /** A filter policy over SNS's limits (keys, combinations of values). */
  FILTER_POLICY_LIMIT = 'FilterPolicyLimit',
  /** Private endpoints without the service's endpoint, or none at all. */
  ENDPOINT_MISSING = 'EndpointMissing',
  /** A VPC or service selection endpoints cannot be created in. */
  ENDPOINT_PLACEMENT = 'EndpointPlacement',
  /** An ARN that does not name what the prop needs. */
  ARN_FORMAT = 'ArnFormat',
  /** Alarm settings that cannot work. */
  ALARM_SETTINGS = 'AlarmSettings',
  /** A Lambda consumer wired against AWS's SQS event source guidance. */
  LAMBDA_CONSUMER = 'LambdaConsumer',
  /**
   * A standard subscriber whose retention leaves its dead-letter queue no time: SQS deletes a
   * standard queue's message at the DLQ's retention counted from the original send.
   */
  DEAD_LETTER_EXPIRY = 'DEAD_LETTER_EXPIRY',
}

/**
 * Recognizes the library's validation errors (as aws-cdk-lib's `Errors.isValidationError` does).
 * These helpers read properties of the JavaScript error, so they work in TypeScript and
 * JavaScript; in other languages, read the codes from the message, where each problem ends with
 * `[Code]`.
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
