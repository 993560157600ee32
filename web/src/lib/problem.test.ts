import { formErrors } from './problem';

describe('formErrors', () => {
  it('puts each field error of a 422 problem under its field', () => {
    const e = formErrors({
      status: 422,
      data: {
        type: 'about:blank',
        title: 'Unprocessable Content',
        status: 422,
        detail: 'invalid input',
        code: 'validation_failed',
        errors: [
          { field: 'email', code: 'invalid', message: 'not an e-mail address' },
          { field: 'name', code: 'required', message: 'must not be empty' },
        ],
      },
    });
    expect(e.status).toBe(422);
    expect(e.fields).toEqual({ email: 'not an e-mail address', name: 'must not be empty' });
    expect(e.message).toMatch(/correct the fields/);
  });

  it('shows the detail of a problem without field errors', () => {
    const e = formErrors({ status: 409, data: { type: 'x', title: 'Conflict', status: 409, detail: 'e-mail already used', code: 'conflict' } });
    expect(e.message).toBe('e-mail already used');
    expect(e.fields).toEqual({});
  });

  it('explains a network failure', () => {
    expect(formErrors({ status: 'FETCH_ERROR', error: 'TypeError' }).message).toMatch(/cannot be reached/);
  });
});
