import type { FieldErrors } from '../../api/errors';

export interface LoginForm {
  email: string;
  password: string;
}

// Deliberately loose: the server is the judge of what an address is; this only catches typos early.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateLogin(form: LoginForm): FieldErrors {
  const errors: FieldErrors = {};
  const email = form.email.trim();
  if (!email) errors.email = ['Enter your email address'];
  else if (!EMAIL.test(email)) errors.email = ['Enter a valid email address, e.g. name@operator.com'];
  if (!form.password) errors.password = ['Enter your password'];
  else if (form.password.length > 200) errors.password = ['Password is too long'];
  return errors;
}
