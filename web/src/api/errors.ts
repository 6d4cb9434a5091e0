import type { ErrorCode } from '@lyra/contracts';

/**
 * What the console itself reports when no error envelope came back: the server was unreachable,
 * answered something the contracts do not describe, or failed without the envelope (`http_502`).
 */
export type ClientErrorCode = 'network_error' | 'invalid_response' | `http_${number}`;
export type ApiErrorCode = ErrorCode | ClientErrorCode;

/** Field name -> messages, as the server sends them in `details.fields` (and as client validation produces them). */
export type FieldErrors = Record<string, string[]>;

/**
 * Every failed API call surfaces as one of these, so views can branch on a stable machine `code`
 * (the contracts' `ErrorCode`: `validation_error`, `source_field_locked`, `in_use`, ...) instead of parsing text.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly details: unknown;
  readonly requestId: string | undefined;
  readonly fieldErrors: FieldErrors;

  constructor(init: { status: number; code: ApiErrorCode; message: string; details?: unknown; requestId?: string | undefined }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.requestId = init.requestId;
    this.fieldErrors = fieldErrorsFrom(init.details);
  }

  get hasFieldErrors(): boolean {
    return Object.keys(this.fieldErrors).length > 0;
  }
}

export const isApiError = (err: unknown): err is ApiError => err instanceof ApiError;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads `details.fields` ({field: ["msg"]} or {field: "msg"}); also accepts a list of
 * zod-like issues ({path, message}) so a slightly different server shape still lands under the right field.
 */
export function fieldErrorsFrom(details: unknown): FieldErrors {
  const out: FieldErrors = {};
  const add = (field: string, msg: unknown) => {
    if (typeof msg !== 'string' || !msg) return;
    (out[field] ??= []).push(msg);
  };
  if (!isRecord(details)) return out;
  const fields = details.fields;
  if (isRecord(fields)) {
    for (const [field, msgs] of Object.entries(fields)) {
      if (Array.isArray(msgs)) msgs.forEach((m) => add(field, m));
      else add(field, msgs);
    }
  }
  const issues = details.issues;
  if (Array.isArray(issues)) {
    for (const issue of issues) {
      if (!isRecord(issue) || !Array.isArray(issue.path)) continue;
      const field = issue.path.map(String).join('.') || '_';
      add(field, issue.message);
    }
  }
  return out;
}

/** A sentence fit for a toast or an alert, whatever was thrown. */
export function errorMessage(err: unknown, fallback = 'Something went wrong. Please try again.'): string {
  if (isApiError(err)) {
    if (err.status === 0) return err.message;
    if (err.status === 403) return err.message || 'You do not have permission to do this.';
    if (err.status >= 500) return `The server could not complete the request (${err.status}). Please try again.`;
    return err.message || fallback;
  }
  if (err instanceof Error && err.message) return err.message;
  return fallback;
}
