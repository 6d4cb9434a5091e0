import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError } from '../lib/errors.js';

type FieldErrors = Record<string, string[]>;

function addField(fields: FieldErrors, name: string, message: string) {
  (fields[name] ??= []).push(message);
}

/** Zod issues -> {field: [messages]}; unknown keys are named as such. */
export function zodIssuesToFields(issues: ReadonlyArray<{ path?: PropertyKey[]; message: string; code?: string; keys?: string[] }>): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of issues) {
    const base = (issue.path ?? []).map(String).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const key of issue.keys) addField(fields, base ? `${base}.${key}` : key, 'unknown field');
    } else {
      addField(fields, base || '_root', issue.message);
    }
  }
  return fields;
}

const send = (reply: import('fastify').FastifyReply, status: number, code: string, message: string, details?: unknown) =>
  reply.status(status).send({ error: { code, message, ...(details !== undefined && { details }), request_id: reply.request.id } });

export function registerErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError | AppError | Error, request, reply) => {
    if (err instanceof AppError) {
      if (err.headers) void reply.headers(err.headers);
      return send(reply, err.status, err.code, err.message, err.details);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = (err as FastifyError).validationContext ?? 'body';
      const fields = zodIssuesToFields(
        err.validation.map((v) => ({
          path: (v.instancePath || '').split('/').filter(Boolean),
          message: v.message ?? 'invalid',
          code: v.keyword,
          keys: (v.params as { keys?: string[] }).keys,
        })),
      );
      return send(reply, 400, 'validation_error', `Invalid ${where === 'querystring' ? 'query parameters' : where}: ${Object.keys(fields).join(', ')}`, { location: where, fields });
    }
    if (isResponseSerializationError(err)) {
      request.log.error({ err, issues: err.cause?.issues }, 'response does not match its schema');
      return send(reply, 500, 'internal_error', 'Internal server error');
    }
    const fe = err as FastifyError;
    const status = fe.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err }, 'unhandled error');
      return send(reply, 500, 'internal_error', 'Internal server error');
    }
    const code =
      fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'payload_too_large'
      : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type'
      : fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'invalid_json'
      : status === 429 ? 'too_many_requests'
      : 'bad_request';
    return send(reply, status, code, fe.message);
  });
}
