import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.js';
import { findUnsafeInput, parseJsonText } from '../lib/input-safety.js';

type Location = 'body' | 'querystring' | 'params';

/** The edge rules of lib/input-safety.ts applied to every request's params, query and body, before its schema. */
function refuse(location: Location, found: { field: string; problem: string }): AppError {
  const where = location === 'querystring' ? 'query parameter' : location === 'params' ? 'path parameter' : 'field';
  return new AppError('validation_error', `Invalid ${where} ${found.field}: ${found.problem}`, { location, fields: { [found.field]: [found.problem] } });
}

export function assertSafeInput(request: Pick<FastifyRequest, 'body' | 'query' | 'params'>) {
  for (const [location, value] of [['params', request.params], ['querystring', request.query], ['body', request.body]] as const) {
    const found = findUnsafeInput(value);
    if (found) throw refuse(location, found);
  }
}

export function registerInputGuard(app: FastifyInstance) {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(new AppError('invalid_json', 'The body is empty; send a JSON document or no content type'), undefined);
    try {
      done(null, parseJsonText(text));
    } catch (err) {
      done(err as AppError, undefined);
    }
  });
  app.addHook('preValidation', async (request) => {
    assertSafeInput(request);
  });
}
