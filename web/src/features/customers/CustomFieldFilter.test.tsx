import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Provider } from 'react-redux';
import { MemoryRouter, useLocation } from 'react-router-dom';
import { customer, FIELDS, page } from '../customFields/testData';
import { filterDraft, filterParam } from '../customFields/values';
import { BUDGET, CHANNELS, SINCE } from '../customFields/testData';
import { exportParams } from '../../app/files';
import { json, me, serve, signedInStore } from '../../test/utils';
import CustomersPage from './CustomersPage';

// Whole screens driven through user-event: seconds each on a loaded 2-core machine.
vi.setConfig({ testTimeout: 15_000 });

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

function Where() {
  const l = useLocation();
  return <output aria-label="Location">{l.search}</output>;
}

function renderList(url = '/customers') {
  const calls = serve({
    'GET /api/v1/auth/me': () => me('admin'),
    'GET /api/v1/custom-fields': () => json(200, page(FIELDS)),
    'GET /api/v1/customers': () => json(200, page([customer({ attributes: { tier: 'gold' } })])),
  });
  render(
    <Provider store={signedInStore()}>
      <MemoryRouter initialEntries={[url]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <CustomersPage />
        <Where />
      </MemoryRouter>
    </Provider>,
  );
  const lists = () => calls.filter((c) => c.startsWith('GET /api/v1/customers?'));
  return { calls, lists };
}

async function filters() {
  const search = await screen.findByRole('search', { name: 'Filter customers' });
  await within(screen.getByRole('region', { name: 'Customer list' })).findByText('Ada Lovelace');
  // The fields have loaded when the chooser offers them.
  await within(within(search).getByLabelText('Custom field')).findByRole('option', { name: 'Tier' });
  return search;
}

it('filters by a select field with its options, together with the other filters, and clears it', async () => {
  const { lists } = renderList();
  const user = userEvent.setup();
  const search = await filters();
  expect(within(search).queryByLabelText('Tier is')).not.toBeInTheDocument();

  await user.selectOptions(within(search).getByLabelText('Status'), 'lead');
  await user.selectOptions(within(search).getByLabelText('Custom field'), 'Tier');
  const value = within(search).getByLabelText('Tier is');
  expect(within(value).getAllByRole('option').map((o) => o.textContent)).toEqual(['Any value', 'gold', 'silver']);
  await user.selectOptions(value, 'gold');
  await waitFor(() => expect(lists()).toContain('GET /api/v1/customers?limit=50&sort=-created_at&status=lead&cf.tier=gold'));
  expect(screen.getByLabelText('Location')).toHaveTextContent('?status=lead&cf.tier=gold');

  // The search combines with it.
  await user.type(within(search).getByLabelText('Search'), 'ada');
  await waitFor(() => expect(lists()).toContain('GET /api/v1/customers?limit=50&sort=-created_at&q=ada&status=lead&cf.tier=gold'));

  await user.click(within(search).getByRole('button', { name: 'Clear the custom-field filter' }));
  expect(screen.getByLabelText('Location')).not.toHaveTextContent('cf.');
  expect(within(search).getByLabelText('Custom field')).toHaveValue('');
  expect(within(search).queryByLabelText('Tier is')).not.toBeInTheDocument();
  await waitFor(() => expect(lists().at(-1)).toBe('GET /api/v1/customers?limit=50&sort=-created_at&q=ada&status=lead'));
});

it('types the value by the field: yes/no, a number checked before it is sent, an amount in minor units', async () => {
  const { lists } = renderList();
  const user = userEvent.setup();
  const search = await filters();

  await user.selectOptions(within(search).getByLabelText('Custom field'), 'VIP');
  const vip = within(search).getByLabelText('VIP is');
  expect(within(vip).getAllByRole('option').map((o) => o.textContent)).toEqual(['Any value', 'Yes', 'No']);
  await user.selectOptions(vip, 'No');
  await waitFor(() => expect(lists().at(-1)).toBe('GET /api/v1/customers?limit=50&sort=-created_at&cf.vip=false'));

  // Another field replaces the filter.
  await user.selectOptions(within(search).getByLabelText('Custom field'), 'Score');
  const score = within(search).getByLabelText('Score is');
  await user.type(score, 'lots');
  expect(await within(search).findByText('must be a number')).toBeInTheDocument();
  expect(score).toHaveAttribute('aria-invalid', 'true');
  expect(screen.getByLabelText('Location')).not.toHaveTextContent('cf.');
  await user.clear(score);
  await user.type(score, '42.5');
  await waitFor(() => expect(lists().at(-1)).toBe('GET /api/v1/customers?limit=50&sort=-created_at&cf.score=42.5'));
  expect(lists().some((c) => c.includes('cf.vip'))).toBe(true);
  expect(lists().filter((c) => c.includes('cf.vip') && c.includes('cf.score'))).toEqual([]);

  await user.selectOptions(within(search).getByLabelText('Custom field'), 'Budget');
  const budget = within(search).getByLabelText('Budget is');
  expect(budget).toHaveAccessibleDescription('Amount in EUR');
  await user.type(budget, '1250');
  await waitFor(() => expect(lists().at(-1)).toBe('GET /api/v1/customers?limit=50&sort=-created_at&cf.budget=125000'));
  expect(budget).toHaveValue('1250');
});

it('shows a filter from the URL in its controls', async () => {
  const { lists } = renderList('/customers?cf.budget=99950&tag=vip');
  const search = await filters();
  expect(lists()[0]).toBe('GET /api/v1/customers?limit=50&sort=-created_at&tag=vip&cf.budget=99950');
  expect(within(search).getByLabelText('Custom field')).toHaveValue('budget');
  expect(within(search).getByLabelText('Budget is')).toHaveValue('999.50');
});

it('filter values: typed as the API compares them', () => {
  expect(filterParam(BUDGET, '12.5')).toEqual({ ok: true, value: '1250' });
  expect(filterParam(BUDGET, '')).toEqual({ ok: true, value: null });
  expect(filterParam(CHANNELS, 'post')).toEqual({ ok: true, value: 'post' });
  expect(filterParam(SINCE, '2026-02-01')).toEqual({ ok: true, value: '2026-02-01' });
  expect(filterDraft(BUDGET, '1250')).toBe('12.50');
  expect(filterDraft(BUDGET, 'junk')).toBe('junk');
  // The export of the filtered list takes the same filter.
  expect(exportParams({ sort: 'name', ownerId: 'u1', 'cf.tier': 'gold' })).toEqual({ sort: 'name', owner_id: 'u1', 'cf.tier': 'gold' });
});
