import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { CustomerForm } from './CustomerForm';
import { problem, renderWithStore } from '../../test/utils';

afterEach(() => vi.unstubAllGlobals());

it('shows the API validation error next to the field it concerns', async () => {
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => problem(422, 'validation_failed', [{ field: 'email', code: 'invalid', message: 'is not a valid e-mail address' }])),
  );
  const onCreated = vi.fn();
  renderWithStore(<CustomerForm onCreated={onCreated} onCancel={() => undefined} />);
  await userEvent.type(screen.getByLabelText('Name'), 'Ada Lovelace');
  await userEvent.type(screen.getByLabelText('E-mail'), 'not-an-email');
  await userEvent.click(screen.getByRole('button', { name: 'Create customer' }));
  const email = screen.getByLabelText('E-mail');
  expect(await screen.findByText('is not a valid e-mail address')).toBeInTheDocument();
  expect(email).toHaveAttribute('aria-invalid', 'true');
  expect(email).toHaveAccessibleDescription('is not a valid e-mail address');
  expect(screen.getByLabelText('Name')).not.toHaveAttribute('aria-invalid');
  expect(onCreated).not.toHaveBeenCalled();
});
