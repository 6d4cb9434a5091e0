import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import { splitFieldErrors, useServerErrors } from './use-server-errors';

describe('useServerErrors', () => {
  it('keeps the client checks, saying the form message only when something must be fixed', () => {
    const e = useServerErrors();
    expect(e.check({ name: ['Name is required'] }, 'Please correct the highlighted fields.')).toBe(false);
    expect(e.fieldError('name')).toBe('Name is required');
    expect(e.formError.value).toBe('Please correct the highlighted fields.');
    expect(e.check({}, 'Please correct the highlighted fields.')).toBe(true);
    expect(e.formError.value).toBeNull();
  });

  it('puts the server field errors under the inputs on screen and says the others', () => {
    const e = useServerErrors();
    e.apply(new ApiError({ status: 400, code: 'validation_error', message: 'bad', details: { fields: { name: ['too long'], weird: ['x'] } } }), { fields: ['name'] });
    expect(e.errors.value).toEqual({ name: ['too long'] });
    expect(e.formError.value).toBe('weird: x');
  });

  it('asks the form for its own wording first, and says the server message otherwise', () => {
    const e = useServerErrors();
    e.apply(new ApiError({ status: 409, code: 'in_use', message: 'Used by 2 campaigns' }), { explain: (err) => (err.code === 'in_use' ? 'Deactivate it instead' : undefined) });
    expect(e.formError.value).toBe('Deactivate it instead');
    e.apply(new ApiError({ status: 429, code: 'too_many_requests', message: 'Try again in 4 seconds.' }));
    expect(e.formError.value).toBe('Try again in 4 seconds.');
    e.apply(new Error('boom'));
    expect(e.formError.value).toBe('boom');
    e.clear();
    expect([e.errors.value, e.formError.value]).toEqual([{}, null]);
  });

  it('splits field errors into shown and other', () => {
    expect(splitFieldErrors({ a: ['x'], _: ['whole'], b: ['y'] }, ['a'])).toEqual({ shown: { a: ['x'] }, other: ['whole', 'b: y'] });
  });
});
