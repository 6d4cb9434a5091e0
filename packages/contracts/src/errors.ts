import { z } from 'zod';

/**
 * Every machine code the API answers in its error envelope, with the HTTP status it comes with.
 * The server raises errors by code (the status follows from this table) and the console switches
 * on the same union, so a renamed or new code is a compile error on both sides, not a silent
 * mismatch. `bad_request` is 400 when Lyra raises it; a refusal of the HTTP framework's own that
 * has no code of its own keeps the framework's 4xx status.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  /** details: {location?, fields: {name: [messages]}} */
  validation_error: 400,
  invalid_json: 400,
  json_too_deep: 400,
  /** A path that is not valid percent-encoded UTF-8, or that the router cannot take apart. */
  bad_url: 400,
  unauthorized: 401,
  forbidden: 403,
  /** A browser request from another origin without a bearer token. */
  csrf_rejected: 403,
  not_found: 404,
  request_timeout: 408,
  /** A unique value taken (details.fields names it). */
  conflict: 409,
  last_admin: 409,
  self_delete: 409,
  /** details.run_id: the run already going for that system. */
  sync_in_progress: 409,
  system_inactive: 409,
  not_running: 409,
  version_not_ready: 409,
  no_active_model: 409,
  /** A synced product's field that only its source system changes (details.fields names them). */
  source_field_locked: 409,
  /** Other records use it: deactivate instead of deleting. */
  in_use: 409,
  /** A campaign status action its status does not allow; details: {status, action, allowed}. */
  illegal_transition: 409,
  /**
   * Maker-checker: the submitter (or a version's author) may not approve it. 403 like any refusal
   * of who the caller is, with its own code so the console can say why rather than "your role".
   */
  self_approval: 403,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  /** An all-or-nothing import refused; details: the import report with its per-row errors. */
  import_rejected: 422,
  /** details.retry_after_seconds, and a Retry-After header. */
  too_many_requests: 429,
  headers_too_large: 431,
  internal_error: 500,
  /** No job runner on this instance: the work stays queued until one picks it up. */
  jobs_unavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];
export const ErrorCode = z.enum(ERROR_CODES);

/** The HTTP status a code is answered with. */
export type StatusOf<C extends ErrorCode> = (typeof ERROR_STATUS)[C];
export const codeToStatus = <C extends ErrorCode>(code: C): StatusOf<C> => ERROR_STATUS[code];

/** The codes answered with one status, e.g. `CodeOfStatus<409>` for the conflicts. */
export type CodeOfStatus<S extends number> = { [C in ErrorCode]: StatusOf<C> extends S ? C : never }[ErrorCode];

/** The one error body every 4xx/5xx answer carries. */
export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.unknown().optional(),
    request_id: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
