import type {
  ContextConfigDefault, FastifyBaseLogger, FastifySchema, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault, RouteGenericInterface,
  RouteHandlerMethod, RouteShorthandOptions,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RouteDecl } from '@lyra/contracts';
import type { App } from './types.js';

type Field<D, K extends string> = D extends { [P in K]: infer S } ? S : undefined;
type SuccessStatus<D> = D extends { status: infer S extends number } ? S : 200;
type Responses<D extends RouteDecl> = (D extends { response: infer R } ? { [S in SuccessStatus<D>]: R } : unknown) & D['errors'];

/** The Fastify schema a declaration stands for: what types the handler's request and reply. */
export interface DeclaredSchema<D extends RouteDecl> extends FastifySchema {
  params: Field<D, 'params'>;
  querystring: Field<D, 'query'>;
  body: Field<D, 'body'>;
  response: Responses<D>;
}

export type DeclaredHandler<D extends RouteDecl> = RouteHandlerMethod<
  RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, RouteGenericInterface, ContextConfigDefault, DeclaredSchema<D>, ZodTypeProvider, FastifyBaseLogger
>;

/** What stays with the server: who may call it (`config.access`), body limits, documentation only the server knows. */
export type ServeOptions = Omit<RouteShorthandOptions, 'schema'> & { description?: string };

function schemaOf(decl: RouteDecl, description: string | undefined) {
  const response = { ...(decl.response && { [decl.status ?? 200]: decl.response }), ...decl.errors };
  return {
    tags: [...decl.tags],
    ...(decl.summary !== undefined && { summary: decl.summary }),
    ...(description !== undefined && { description }),
    ...(decl.params && { params: decl.params }),
    ...(decl.query && { querystring: decl.query }),
    ...(decl.body && { body: decl.body }),
    ...(decl.consumes && { consumes: [...decl.consumes] }),
    ...(Object.keys(response).length > 0 && { response }),
  };
}

/**
 * Registers a handler for a route the contracts declare: method, path and schemas come from the
 * declaration, so the server cannot drift from what the console calls; the handler's request and
 * answer are typed by the same schemas.
 */
export function serve<const D extends RouteDecl>(app: App, decl: D, options: ServeOptions, handler: DeclaredHandler<D>): void {
  const { description, ...rest } = options;
  app.route({ ...rest, method: decl.method, url: decl.path, schema: schemaOf(decl, description) as unknown as DeclaredSchema<D>, handler });
}
