/** The one list of coded errors. REST clients see `{statusCode, code, error, message}`. */
export const ERRORS = {
  /** Not an error to the client: the kernel is being ingested; retry later (Retry-After, job URL). */
  KERNEL_PREPARING: { status: 202, text: 'Accepted' },
  BAD_REQUEST: { status: 400, text: 'Bad Request' },
  INVALID_FIELD: { status: 400, text: 'Bad Request' },
  BODY_TOO_LARGE: { status: 413, text: 'Payload Too Large' },
  UNAUTHORIZED: { status: 401, text: 'Unauthorized' },
  FORBIDDEN: { status: 403, text: 'Forbidden' },
  NOT_FOUND: { status: 404, text: 'Not Found' },
  KERNEL_NOT_FOUND: { status: 404, text: 'Not Found' },
  STRUCT_NOT_FOUND: { status: 404, text: 'Not Found' },
  MEMBER_NOT_FOUND: { status: 404, text: 'Not Found' },
  FUNCTION_NOT_FOUND: { status: 404, text: 'Not Found' },
  TYPE_NOT_FOUND: { status: 404, text: 'Not Found' },
  ARTIFACT_NOT_FOUND: { status: 404, text: 'Not Found' },
  JOB_NOT_FOUND: { status: 404, text: 'Not Found' },
  BUILD_ID_NOT_FOUND: { status: 404, text: 'Not Found' },
  KERNEL_CONFLICT: { status: 409, text: 'Conflict' },
  RATE_LIMITED: { status: 429, text: 'Too Many Requests' },
  QUEUE_FULL: { status: 503, text: 'Service Unavailable' },
  UNAVAILABLE: { status: 503, text: 'Service Unavailable' },
  BAD_INPUT_FILE: { status: 422, text: 'Unprocessable Entity' },
  BAD_BTF: { status: 422, text: 'Unprocessable Entity' },
  BAD_ELF: { status: 422, text: 'Unprocessable Entity' },
  BAD_ARCHIVE: { status: 422, text: 'Unprocessable Entity' },
  BAD_FLAGS: { status: 400, text: 'Bad Request' },
  NOT_BPF_OBJECT: { status: 422, text: 'Unprocessable Entity' },
  NO_CORE_BTF: { status: 422, text: 'Unprocessable Entity' },
  BAD_BPF_OBJECT: { status: 422, text: 'Unprocessable Entity' },
  COMPILE_FAILED: { status: 422, text: 'Unprocessable Entity' },
  TOOL_FAILED: { status: 500, text: 'Internal Server Error' },
  TOOL_TIMEOUT: { status: 504, text: 'Gateway Timeout' },
  DOWNLOAD_FAILED: { status: 502, text: 'Bad Gateway' },
  CHECKSUM_MISMATCH: { status: 502, text: 'Bad Gateway' },
  AMBIGUOUS_VERSION: { status: 409, text: 'Conflict' },
  INTERNAL: { status: 500, text: 'Internal Server Error' },
} as const satisfies Record<string, { status: number; text: string }>;

export type ErrorName = keyof typeof ERRORS;

/**
 * An error whose message is safe to show a client: it never carries a host path,
 * a stack trace or an echo of the raw input. Anything else reaching a client
 * is replaced by a generic INTERNAL message.
 */
export class SurfhiveError extends Error {
  readonly code: `SURFHIVE_ERR_${ErrorName}`;
  readonly statusCode: number;
  override readonly name = 'SurfhiveError';

  constructor(
    readonly kind: ErrorName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = `SURFHIVE_ERR_${kind}`;
    this.statusCode = ERRORS[kind].status;
  }

  toJSON(): { statusCode: number; code: string; error: string; message: string } {
    return {
      statusCode: this.statusCode,
      code: this.code,
      error: ERRORS[this.kind].text,
      message: this.message,
    };
  }
}

export const isSurfhiveError = (e: unknown): e is SurfhiveError => e instanceof SurfhiveError;

export const fail = (kind: ErrorName, message: string, cause?: unknown): never => {
  throw new SurfhiveError(kind, message, cause === undefined ? undefined : { cause });
};
