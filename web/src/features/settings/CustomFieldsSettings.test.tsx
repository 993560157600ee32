import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { BUDGET, field, FIELDS, NICKNAME, page, TIER } from '../customFields/testData';
import { json, problem, renderWithStore, serve } from '../../test/utils';
import { changes, CustomFieldsSettings, parseOptions, suggestKey } from './CustomFieldsSettings';

// Whole screens driven through user-event: seconds each on a loaded 2-core machine.
vi.setConfig({ testTimeout: 15_000 });

afterEach(() => vi.unstubAllGlobals());

it('lists the definitions of an entity: key, label, type, flags and options', async () => {
  const calls = serve({ 'GET /api/v1/custom-fields': () => json(200, page(FIELDS)) });
  renderWithStore(<CustomFieldsSettings />);
  const table = await screen.findByRole('region', { name: 'Custom fields of customers' });
  const rows = within(table).getAllByRole('row').slice(1);
  expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['Nickname', 'Score', 'Client since', 'VIP', 'Tier', 'Channels', 'Budget']);
  const tier = within(table).getByRole('row', { name: /Tier/ });
  expect(tier).toHaveTextContent('tier');
  expect(tier).toHaveTextContent('Select (one option)');
  expect(tier).toHaveTextContent('gold, silver');
  expect(within(tier).getAllByRole('cell').map((c) => c.textContent).slice(2, 4)).toEqual(['Yes', 'No']);
  expect(within(table).getByRole('row', { name: /Budget/ })).toHaveTextContent('EUR');
  expect(calls).toContain('GET /api/v1/custom-fields?entity=customer&limit=500');
  // The entities come from the API's enum.
  expect(screen.getByLabelText('Record type')).toHaveDisplayValue('Customers');
});

it('shows an empty state and a failed load with a retry', async () => {
  let fail = true;
  serve({
    'GET /api/v1/custom-fields': () =>
      fail ? json(500, { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'request id 42', code: 'internal' }) : json(200, page([])),
  });
  renderWithStore(<CustomFieldsSettings />);
  expect(await screen.findByRole('alert')).toHaveTextContent('request id 42');
  fail = false;
  await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
  expect(await screen.findByText('No custom fields of customers yet.')).toBeInTheDocument();
});

it('creates a select field from the keyboard with its options, sending the right payload', async () => {
  const bodies: unknown[] = [];
  serve({
    'GET /api/v1/custom-fields': () => json(200, page([])),
    'POST /api/v1/custom-fields': async (req) => {
      const body = (await req.json()) as Record<string, unknown>;
      bodies.push(body);
      return json(201, field('customer_tier', { label: 'Customer tier', field_type: 'select', options: ['gold', 'silver'], required: true }));
    },
  });
  const user = userEvent.setup();
  renderWithStore(<CustomFieldsSettings />);
  await screen.findByText('No custom fields of customers yet.');
  await user.click(screen.getByRole('button', { name: 'New field' }));
  expect(screen.getByLabelText('Label')).toHaveFocus();
  await user.keyboard('Customer tier');
  expect(screen.getByLabelText('Key')).toHaveValue('customer_tier');
  expect(screen.queryByLabelText('Options')).not.toBeInTheDocument();
  await user.selectOptions(screen.getByLabelText('Type'), 'select');
  await user.type(screen.getByLabelText('Options'), 'gold{Enter}silver{Enter}');
  await user.click(screen.getByLabelText('Required'));
  await user.click(screen.getByRole('button', { name: 'Create field' }));
  expect(bodies).toEqual([{ entity: 'customer', key: 'customer_tier', label: 'Customer tier', field_type: 'select', options: ['gold', 'silver'], required: true, unique: false, position: 0 }]);
  expect(await screen.findByText('Created the field “Customer tier”.')).toBeInTheDocument();
  expect(screen.queryByRole('form', { name: /New field/ })).not.toBeInTheDocument();
});

it('asks a currency field for its currency, and does not offer unique for yes/no fields', async () => {
  const bodies: unknown[] = [];
  serve({
    'GET /api/v1/custom-fields': () => json(200, page([])),
    'POST /api/v1/custom-fields': async (req) => {
      bodies.push(await req.json());
      return json(201, field('budget', { field_type: 'currency', currency: 'EUR' }));
    },
  });
  const user = userEvent.setup();
  renderWithStore(<CustomFieldsSettings />);
  await user.click(await screen.findByRole('button', { name: 'New field' }));
  await user.type(screen.getByLabelText('Label'), 'Budget');
  await user.selectOptions(screen.getByLabelText('Type'), 'boolean');
  expect(screen.getByLabelText('Unique')).toBeDisabled();
  await user.selectOptions(screen.getByLabelText('Type'), 'currency');
  expect(screen.getByLabelText('Unique')).toBeEnabled();
  await user.type(screen.getByLabelText('Currency'), 'eur');
  expect(screen.getByLabelText('Currency')).toHaveValue('EUR');
  await user.click(screen.getByRole('button', { name: 'Create field' }));
  expect(bodies).toEqual([{ entity: 'customer', key: 'budget', label: 'Budget', field_type: 'currency', currency: 'EUR', required: false, unique: false, position: 0 }]);
});

it('shows the API error next to the input it names (409 key_taken on the key)', async () => {
  serve({
    'GET /api/v1/custom-fields': () => json(200, page([])),
    'POST /api/v1/custom-fields': () => problem(409, 'key_taken', [{ field: 'key', code: 'key_taken', message: 'a live custom field of this entity has this key' }]),
  });
  const user = userEvent.setup();
  renderWithStore(<CustomFieldsSettings />);
  await user.click(await screen.findByRole('button', { name: 'New field' }));
  await user.type(screen.getByLabelText('Label'), 'Tier');
  await user.click(screen.getByRole('button', { name: 'Create field' }));
  const key = screen.getByLabelText('Key');
  expect(await screen.findByText('a live custom field of this entity has this key')).toBeInTheDocument();
  expect(key).toHaveAttribute('aria-invalid', 'true');
  expect(key).toHaveAccessibleDescription(/a live custom field of this entity has this key/);
  expect(screen.getByLabelText('Label')).not.toHaveAttribute('aria-invalid');
  expect(screen.getByRole('form', { name: /New field/ })).toBeInTheDocument();
});

it('edits what may change, sending only the changes, and shows option_in_use next to the options', async () => {
  const patches: unknown[] = [];
  serve({
    'GET /api/v1/custom-fields': () => json(200, page([TIER])),
    'PATCH /api/v1/custom-fields/cf-tier': async (req) => {
      const body = (await req.json()) as { options?: string[] };
      patches.push(body);
      if (body.options && !body.options.includes('silver')) return problem(409, 'option_in_use', [{ field: 'options', code: 'option_in_use', message: '3 record(s) use the option "silver"; change them first' }]);
      return json(200, { ...TIER, ...body });
    },
  });
  const user = userEvent.setup();
  renderWithStore(<CustomFieldsSettings />);
  await user.click(await screen.findByRole('button', { name: 'Edit Tier' }));
  const form = screen.getByRole('form', { name: /Edit “Tier”/ });
  expect(within(form).queryByLabelText('Key')).not.toBeInTheDocument();
  const options = within(form).getByLabelText('Options');
  expect(options).toHaveValue('gold\nsilver');
  await user.clear(options);
  await user.type(options, 'gold{Enter}bronze');
  await user.click(within(form).getByRole('button', { name: 'Save changes' }));
  expect(patches).toEqual([{ options: ['gold', 'bronze'] }]);
  expect(await within(form).findByText('3 record(s) use the option "silver"; change them first')).toBeInTheDocument();
  expect(options).toHaveAccessibleDescription(/use the option "silver"/);

  await user.clear(options);
  await user.type(options, 'gold{Enter}silver{Enter}bronze');
  await user.clear(within(form).getByLabelText('Label'));
  await user.type(within(form).getByLabelText('Label'), 'Level');
  await user.click(within(form).getByRole('button', { name: 'Save changes' }));
  expect(patches[1]).toEqual({ label: 'Level', options: ['gold', 'silver', 'bronze'] });
  expect(screen.queryByRole('form', { name: /Edit/ })).not.toBeInTheDocument();
  expect(screen.getByRole('button', { name: 'Edit Tier' })).toHaveFocus();
});

it('deletes a field with an undo, and restores deleted ones from their list', async () => {
  const calls = serve({
    'GET /api/v1/custom-fields': (_req, url) => json(200, page(url.searchParams.get('deleted') === 'only' ? [{ ...NICKNAME, deleted_at: '2026-02-01T00:00:00Z' }] : [NICKNAME])),
    'DELETE /api/v1/custom-fields/cf-nickname': () => new Response(null, { status: 204 }),
    'POST /api/v1/custom-fields/cf-nickname/restore': () => json(200, NICKNAME),
  });
  const user = userEvent.setup();
  renderWithStore(<CustomFieldsSettings />);
  await user.click(await screen.findByRole('button', { name: 'Delete Nickname' }));
  expect(await screen.findByText('Deleted “Nickname”. Its values stay on the records.')).toBeInTheDocument();
  await vi.waitFor(() => expect(screen.getByRole('button', { name: 'Undo' })).toHaveFocus());
  await user.keyboard('{Enter}');
  expect(await screen.findByText('Restored “Nickname”.')).toBeInTheDocument();
  expect(calls.filter((c) => !c.startsWith('GET'))).toEqual(['DELETE /api/v1/custom-fields/cf-nickname', 'POST /api/v1/custom-fields/cf-nickname/restore']);

  await user.click(screen.getByLabelText('Show deleted fields'));
  const table = await screen.findByRole('region', { name: 'Deleted custom fields of customers' });
  expect(screen.queryByRole('button', { name: 'New field' })).not.toBeInTheDocument();
  await user.click(within(table).getByRole('button', { name: 'Restore Nickname' }));
  expect(calls).toContain('GET /api/v1/custom-fields?entity=customer&deleted=only&limit=500');
  expect(calls.filter((c) => c.startsWith('POST'))).toHaveLength(2);
});

it('helpers: keys from labels, options one per line, changes only', () => {
  expect(suggestKey('Annual budget (€)')).toBe('annual_budget');
  expect(suggestKey('2nd Café')).toBe('nd_cafe');
  expect(parseOptions(' gold \n\nsilver\n')).toEqual(['gold', 'silver']);
  const budget = BUDGET;
  const draft = { label: 'Budget', field_type: budget.field_type, options: '', currency: 'EUR', required: false, unique: false, position: '7' };
  expect(changes(budget, draft)).toEqual({});
  expect(changes(budget, { ...draft, currency: 'USD', required: true })).toEqual({ currency: 'USD', required: true });
  expect(changes(budget, { ...draft, field_type: 'select', options: 'a\nb' })).toEqual({ field_type: 'select', options: ['a', 'b'] });
});
