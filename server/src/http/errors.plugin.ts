import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { codeToStatus, type ErrorCode } from '@lyra/contracts';
import { AppError } from '../lib/errors.js';

type FieldErrors = Record<string, string[]>;

function addField(fields: FieldErrors, name: string, message: string) {
  // Own lookup only: a field named "constructor" or "hasOwnProperty" must not find Object's.
  if (Object.hasOwn(fields, name)) fields[name]!.push(message);
  else Object.defineProperty(fields, name, { value: [message], enumerable: true, writable: true, configurable: true });
}

/** Zod issues -> {field: [messages]}; unknown keys are named as such. Field names come from input: null prototype. */
export function zodIssuesToFields(issues: ReadonlyArray<{ path?: PropertyKey[] | undefined; message: string; code?: string | undefined; keys?: string[] | undefined }>): FieldErrors {
  const fields: FieldErrors = Object.create(null) as FieldErrors;
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

/** The status follows from the code, except for framework refusals passed on with their own 4xx. */
export const sendError = (reply: FastifyReply, code: ErrorCode, message: string, details?: unknown, status: number = codeToStatus(code)) => {
  // An answer given before the body was read (415, 413, 401 on an upload) leaves the rest of the
  // body on the socket, where the next request on this keep-alive connection would be parsed
  // from it: close the connection after answering instead.
  if (!reply.request.raw.complete) void reply.header('connection', 'close');
  return reply.status(status).send({ error: { code, message, ...(details !== undefined && { details }), request_id: reply.request.id } });
};

/**
 * Errors the router raises before any route or hook runs (a path with bad percent-encoding, a
 * path parameter over the router's length limit): the same envelope as every other error.
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const message = tooLong ? 'A path parameter is longer than allowed' : err.code === 'FST_ERR_BAD_URL' ? 'The path is not valid percent-encoded UTF-8' : 'The request cannot be routed';
  return sendError(reply, tooLong ? 'uri_too_long' : 'bad_url', message, { location: 'path' });
}

/**
 * Requests Node's HTTP parser refuses (headers too large, malformed request lines) never reach
 * Fastify: answer them in the envelope on the raw socket, then close it, as Node itself does.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, message]: [ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW' ? ['headers_too_large', 'The request headers are larger than allowed']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? ['request_timeout', 'The request was not received in time']
    : ['bad_request', 'The request is not valid HTTP'];
  const status = codeToStatus(code);
  const body = JSON.stringify({ error: { code, message, request_id: randomUUID() } });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

export function registerErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError | AppError | Error, request, reply) => {
    try {
      return answerError(err, request, reply);
    } catch (failure) {
      // The handler itself must never fall back to Fastify's own shape.
      request.log.error({ err: failure, original: err }, 'error handler failed');
      return sendError(reply, 'internal_error', 'Internal server error');
    }
  });
}

function answerError(err: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply) {
    if (err instanceof AppError) {
      if (err.headers) void reply.headers(err.headers);
      return sendError(reply, err.code, err.message, err.details);
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
      return sendError(reply, 'validation_error', `Invalid ${where === 'querystring' ? 'query parameters' : where}: ${Object.keys(fields).join(', ')}`, { location: where, fields });
    }
    if (isResponseSerializationError(err)) {
      request.log.error({ err, issues: err.cause?.issues }, 'response does not match its schema');
      return sendError(reply, 'internal_error', 'Internal server error');
    }
    const fe = err as FastifyError;
    const status = fe.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err }, 'unhandled error');
      return sendError(reply, 'internal_error', 'Internal server error');
    }
    const code: ErrorCode =
      fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'payload_too_large'
      : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type'
      : fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'invalid_json'
      : status === 429 ? 'too_many_requests'
      : 'bad_request';
    return sendError(reply, code, fe.message, undefined, status);
}
