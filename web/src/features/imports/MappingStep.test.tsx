import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ImportField } from '../../app/nexusApi.generated';
import { MappingStep } from './MappingStep';
import { NO_MAPPING_ERRORS } from './mapping';

const FIELDS: ImportField[] = [
  { name: 'name', required: true, description: 'Full name' },
  { name: 'email', required: false, description: 'E-mail address' },
  { name: 'company_name', required: false, description: 'Company' },
];
const JOB = {
  entity: 'customers' as const,
  file_name: 'people.csv',
  columns: ['Full Name', 'E-mail', 'Notes'],
  preview: [
    ['Ada Lovelace', 'ada@example.com', 'met at the conference'],
    ['Alan Turing', 'alan@example.com', ''],
  ],
  suggested_mapping: { 'Full Name': 'name', 'E-mail': 'email' },
};

function setup(serverErrors = NO_MAPPING_ERRORS) {
  const onStart = vi.fn();
  render(<MappingStep job={JOB} fields={FIELDS} serverErrors={serverErrors} starting={false} onStart={onStart} onCancel={() => undefined} />);
  return onStart;
}

it('presets the suggestion, previews the values, marks required fields and sends the mapping', async () => {
  const onStart = setup();
  expect(screen.getByLabelText('Field for column Full Name')).toHaveValue('name');
  expect(screen.getByLabelText('Field for column E-mail')).toHaveValue('email');
  expect(screen.getByLabelText('Field for column Notes')).toHaveValue('');
  expect(screen.getByText('alan@example.com')).toBeInTheDocument();
  expect(screen.getAllByRole('option', { name: 'name (required)' })).toHaveLength(3);
  await userEvent.selectOptions(screen.getByLabelText('Field for column Notes'), 'company_name');
  await userEvent.click(screen.getByRole('button', { name: 'Start import' }));
  expect(onStart).toHaveBeenCalledWith({ 'Full Name': 'name', 'E-mail': 'email', Notes: 'company_name' }, 'skip');
});

it('asks what to do when the e-mail already exists and sends the choice', async () => {
  const onStart = setup();
  const choice = screen.getByRole('combobox', { name: 'When the e-mail already exists' });
  expect(choice).toHaveValue('skip');
  expect(choice).toHaveAccessibleDescription('The row is not imported and is counted as a duplicate.');
  expect(screen.getAllByRole('option').filter((o) => o.closest('select') === choice).map((o) => o.textContent)).toEqual([
    'Skip the row',
    'Update the customer',
  ]);
  await userEvent.selectOptions(choice, 'update');
  expect(choice).toHaveAccessibleDescription(/empty cells leave them as they are/);
  // Updating needs only the e-mail mapped.
  expect(screen.getAllByRole('option', { name: 'email (required)' })).toHaveLength(3);
  expect(screen.queryAllByRole('option', { name: 'name (required)' })).toHaveLength(0);
  await userEvent.click(screen.getByRole('button', { name: 'Start import' }));
  expect(onStart).toHaveBeenCalledWith({ 'Full Name': 'name', 'E-mail': 'email' }, 'update');
});

it('names the SKU for a products file', () => {
  render(
    <MappingStep
      job={{ ...JOB, entity: 'products' }}
      fields={FIELDS}
      serverErrors={NO_MAPPING_ERRORS}
      starting={false}
      onStart={() => undefined}
      onCancel={() => undefined}
    />,
  );
  expect(screen.getByRole('combobox', { name: 'When the SKU already exists' })).toHaveValue('skip');
  expect(screen.getByRole('option', { name: 'Update the product' })).toBeInTheDocument();
});

it('does not start with a field mapped twice or a required field unmapped, and says why', async () => {
  const onStart = setup();
  await userEvent.selectOptions(screen.getByLabelText('Field for column Full Name'), 'email');
  const email = screen.getByLabelText('Field for column E-mail');
  expect(email).toHaveAttribute('aria-invalid', 'true');
  expect(email).toHaveAccessibleDescription('Column “Full Name” is mapped to email already.');
  await userEvent.click(screen.getByRole('button', { name: 'Start import' }));
  expect(screen.getByRole('alert')).toHaveTextContent('Choose the column for the required field name.');
  expect(onStart).not.toHaveBeenCalled();
});

it('shows the server’s errors next to the column they name until the mapping changes', async () => {
  setup({ byColumn: { Notes: ['must be one of: name, email, company_name'] }, general: ['no column is mapped to the required field name'] });
  const notes = screen.getByLabelText('Field for column Notes');
  expect(notes).toHaveAccessibleDescription('must be one of: name, email, company_name');
  expect(screen.getByRole('alert')).toHaveTextContent('no column is mapped to the required field name');
  await userEvent.selectOptions(notes, 'company_name');
  expect(notes).not.toHaveAttribute('aria-invalid');
  expect(screen.queryByRole('alert')).not.toBeInTheDocument();
});
