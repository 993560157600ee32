import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { customer, FIELDS, page } from '../customFields/testData';
import { json, me, renderWithStore, serve } from '../../test/utils';
import CustomersPage from './CustomersPage';

// Whole screens driven through user-event: seconds each on a loaded 2-core machine.
vi.setConfig({ testTimeout: 15_000 });

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

it('offers the custom fields as optional columns and as sorts (sort=cf.<key>)', async () => {
  const calls = serve({
    'GET /api/v1/auth/me': () => me('admin'),
    'GET /api/v1/custom-fields': () => json(200, page(FIELDS)),
    'GET /api/v1/customers': () => json(200, page([customer({ attributes: { tier: 'gold', budget: 125000 } })])),
  });
  const user = userEvent.setup();
  renderWithStore(<CustomersPage />);
  const list = await screen.findByRole('region', { name: 'Customer list' });
  await within(list).findByText('Ada Lovelace');
  expect(within(list).queryByRole('columnheader', { name: 'Tier' })).not.toBeInTheDocument();

  const chooser = screen.getByRole('group', { name: 'Visible columns' });
  await user.click(screen.getByText('Columns'));
  await user.click(within(chooser).getByLabelText('Tier'));
  await user.click(within(chooser).getByLabelText('Budget'));
  expect(within(list).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Name', 'E-mail', 'Company', 'Status', 'Tags', 'Created', 'Tier', 'Budget']);
  const row = within(list).getAllByRole('row')[1]!;
  expect(within(row).getAllByRole('cell').slice(-2).map((c) => c.textContent)).toEqual(['gold', expect.stringMatching(/1,250\.00|1\s?250,00/)]);
  expect(JSON.parse(localStorage.getItem('nexus.customers.columns') ?? '[]')).toEqual(['name', 'email', 'company_name', 'status', 'tags', 'created_at', 'cf.tier', 'cf.budget']);

  const sort = screen.getByLabelText('Sort');
  // Multi-select fields cannot be sorted by.
  expect(within(sort).queryByRole('option', { name: /Channels/ })).not.toBeInTheDocument();
  await user.selectOptions(sort, 'Budget, highest first');
  await within(list).findByText('Ada Lovelace');
  expect(calls).toContain('GET /api/v1/customers?limit=50&sort=-cf.budget');
});
