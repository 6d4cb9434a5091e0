import { codeToStatus, type CodeOfStatus, type ErrorCode } from '@lyra/contracts';

type Headers = Record<string, string>;

/**
 * The one error type: a machine code from the contracts' `ErrorCode` union, a human message and
 * optional details. The HTTP status follows from the code (`codeToStatus`), so the console can
 * switch on codes knowing what each one means.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly headers: Headers | undefined;

  constructor(code: ErrorCode, message: string, details?: unknown, headers?: Headers) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = codeToStatus(code);
    this.details = details;
    this.headers = headers;
  }

  static badRequest(message: string, details?: unknown) {
    return new AppError('bad_request', message, details);
  }
  /** A validation failure naming the fields: details = {fields: {name: [messages]}}. */
  static validation(fields: Record<string, string[]>, message = 'Some fields are invalid') {
    return new AppError('validation_error', message, { fields });
  }
  static unauthorized(message = 'Authentication required') {
    return new AppError('unauthorized', message);
  }
  static forbidden(message = 'Your role may not do this') {
    return new AppError('forbidden', message);
  }
  static notFound(what: string) {
    return new AppError('not_found', `${what} not found`);
  }
  static conflict(message: string, code: CodeOfStatus<409> = 'conflict', details?: unknown) {
    return new AppError(code, message, details);
  }
  static tooMany(message: string, retryAfterSeconds: number) {
    return new AppError('too_many_requests', message, { retry_after_seconds: retryAfterSeconds }, {
      'retry-after': String(retryAfterSeconds),
    });
  }
}

/**
 * An all-or-nothing import answers its report when it imported, and 422 in the error envelope
 * (code `import_rejected`, the report with its per-row errors as details) when it refused the file.
 */
export function importedOrRejected<T extends { imported: boolean; total_rows: number; errors: { row: number }[] }>(report: T): T {
  if (report.imported) return report;
  const rows = new Set(report.errors.map((e) => e.row).filter((r) => r > 0)).size;
  const what = rows ? `${rows} of ${report.total_rows} rows have errors` : 'The file cannot be read';
  throw new AppError('import_rejected', `${what}; nothing was imported`, report);
}
