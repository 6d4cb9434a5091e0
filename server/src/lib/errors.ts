/** The one error type: a stable machine code, an HTTP status, a human message and optional details. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  static badRequest(message: string, details?: unknown) {
    return new AppError(400, 'bad_request', message, details);
  }
  /** A validation failure naming the fields: details = {fields: {name: [messages]}}. */
  static validation(fields: Record<string, string[]>, message = 'Some fields are invalid') {
    return new AppError(400, 'validation_error', message, { fields });
  }
  static unauthorized(message = 'Authentication required') {
    return new AppError(401, 'unauthorized', message);
  }
  static forbidden(message = 'Your role may not do this') {
    return new AppError(403, 'forbidden', message);
  }
  static notFound(what: string) {
    return new AppError(404, 'not_found', `${what} not found`);
  }
  static conflict(message: string, code = 'conflict', details?: unknown) {
    return new AppError(409, code, message, details);
  }
  static tooMany(message: string, retryAfterSeconds: number) {
    return new AppError(429, 'too_many_requests', message, { retry_after_seconds: retryAfterSeconds }, {
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
  throw new AppError(422, 'import_rejected', `${what}; nothing was imported`, report);
}
