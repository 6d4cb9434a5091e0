import type { z } from 'zod';
import { ErrorBody } from './errors.js';

export const API_BASE = '/api/loyalty/v1';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One API route as both sides know it: the server registers its handler from this (validation,
 * serialisation and the OpenAPI document follow from the schemas) and the console's client builds
 * the URL, types the request and parses the answer from the same object.
 */
export interface RouteDecl {
  method: HttpMethod;
  /** The full path, parameters spelt `:name` as the router spells them. */
  path: string;
  tags: readonly string[];
  summary?: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The body's media types when it is not JSON (a CSV upload). */
  consumes?: readonly string[];
  /** The success status; 200 unless said. */
  status?: 200 | 201 | 202 | 204;
  /** The success answer; none for a file download. */
  response?: z.ZodType;
  /** The other statuses the route answers, each with its body (the error envelope, mostly). */
  errors: Readonly<Record<number, z.ZodType>>;
}

/** Keeps a declaration's literal types (method, path, each schema) for the two sides to read. */
export const route = <const R extends RouteDecl>(decl: R): R => decl;

/** The error statuses a route answers in the envelope, e.g. `errorsOf(400, 401, 403)`. */
export const errorsOf = <const S extends number>(...statuses: S[]) =>
  Object.fromEntries(statuses.map((s) => [s, ErrorBody])) as { [K in S]: typeof ErrorBody };

/** What most signed-in routes may answer besides their success. */
export const COMMON_ERRORS = errorsOf(400, 401, 403, 404, 409);
