import { describe, expect, it } from 'vitest';
import { ApiError, errorMessage, fieldErrorsFrom } from './errors';

describe('fieldErrorsFrom', () => {
  it('reads details.fields with lists or single messages', () => {
    expect(fieldErrorsFrom({ fields: { a: ['x', 'y'], b: 'z', c: 3 } })).toEqual({ a: ['x', 'y'], b: ['z'] });
  });
  it('reads zod-like issues', () => {
    expect(fieldErrorsFrom({ issues: [{ path: ['features', 'data_gb'], message: 'bad' }, { path: [], message: 'whole' }] })).toEqual({
      'features.data_gb': ['bad'],
      _: ['whole'],
    });
  });
  it('ignores anything else', () => {
    expect(fieldErrorsFrom(null)).toEqual({});
    expect(fieldErrorsFrom('text')).toEqual({});
    expect(fieldErrorsFrom([1, 2])).toEqual({});
  });
});

describe('errorMessage', () => {
  it('prefers the server message for client errors and stays generic for 5xx', () => {
    expect(errorMessage(new ApiError({ status: 409, code: 'in_use', message: 'Used by 2 campaigns' }))).toBe('Used by 2 campaigns');
    expect(errorMessage(new ApiError({ status: 500, code: 'internal_error', message: 'stack trace' }))).toMatch(/could not complete the request \(500\)/);
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage(42, 'fallback')).toBe('fallback');
  });
});
