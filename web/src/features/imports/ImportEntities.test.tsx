// The import screens for products and transactions: the same components as for customers, with
// the entity as a parameter (routes, fields from the API, the duplicate choice, links back).
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { File as NodeFile } from 'node:buffer';
import { Provider } from 'react-redux';
import { MemoryRouter, Route } from 'react-router-dom';
import type { ImportEntity, ImportJob } from '../../app/nexusApi.generated';
import { json, me, renderRoutes, serve, signedInStore } from '../../test/utils';
import ImportJobPage from './ImportJobPage';
import { ImportLink } from './ImportLink';
import ImportPage from './ImportPage';
import { useMe } from '../shell/AppShell';

function SignedInAs() {
  const role = useMe()?.role;
  return <p>{role ? `signed in as ${role}` : 'loading'}</p>;
}

afterEach(() => vi.unstubAllGlobals());

function job(entity: ImportEntity, over: Partial<ImportJob> = {}): ImportJob {
  return {
    id: `job-${entity}`,
    entity,
    status: 'uploaded',
    file_name: `${entity}.csv`,
    file_bytes: 100,
    bytes_processed: 0,
    columns: entity === 'products' ? ['SKU', 'Name', 'Price', 'Currency'] : ['Order ID', 'E-mail', 'SKU', 'Qty'],
    preview: entity === 'products' ? [['W-1', 'Widget', '1250', 'EUR']] : [['A-1', 'ada@example.com', 'W-1', '2']],
    suggested_mapping: entity === 'products' ? { SKU: 'sku', Name: 'name', Price: 'price', Currency: 'currency' } : { 'Order ID': 'order_ref', 'E-mail': 'customer_email', SKU: 'sku', Qty: 'quantity' },
    on_duplicate: 'skip',
    rows_processed: 0,
    rows_accepted: 0,
    rows_updated: 0,
    rows_rejected: 0,
    rows_duplicate: 0,
    created_by: 'user-1',
    version: 1,
    created_at: '2026-11-27T12:00:00Z',
    updated_at: '2026-11-27T12:00:00Z',
    ...over,
  };
}

const FIELDS = {
  products: ['sku', 'name', 'price', 'currency', 'category', 'description', 'active'].map((name, i) => ({ name, required: i < 4, description: name })),
  transactions: ['order_ref', 'customer_email', 'customer_id', 'occurred_at', 'status', 'currency', 'sku', 'quantity', 'unit_price'].map((name) => ({
    name,
    required: name === 'order_ref' || name === 'sku',
    description: name,
  })),
};

function renderAt(path: string) {
  renderRoutes(
    path,
    <>
      <Route path="/products/import" element={<ImportPage entity="products" />} />
      <Route path="/products/import/:id" element={<ImportJobPage />} />
      <Route path="/transactions/import" element={<ImportPage entity="transactions" />} />
      <Route path="/transactions/import/:id" element={<ImportJobPage />} />
    </>,
  );
}

/** A server with one job of `entity` that completes when started (one row refused). */
function server(entity: ImportEntity) {
  let current = job(entity);
  const bodies: unknown[] = [];
  const calls = serve({
    'GET /api/v1/imports': () => json(200, { data: [job('customers', { id: 'job-c', file_name: 'people.csv' }), { ...current, status: 'completed' }] }),
    'POST /api/v1/imports': () => json(201, current),
    'GET /api/v1/imports/fields': (_req, url) => json(200, { data: FIELDS[url.searchParams.get('entity') as 'products' | 'transactions'] }),
    [`GET /api/v1/imports/job-${entity}`]: () => json(200, current),
    [`POST /api/v1/imports/job-${entity}/start`]: async (req) => {
      bodies.push(await req.json());
      current = { ...current, status: 'completed', bytes_processed: 100, rows_processed: 3, rows_accepted: 1, rows_updated: 1, rows_rejected: 1, version: 3 };
      return json(200, current);
    },
    [`GET /api/v1/imports/job-${entity}/rejections`]: () =>
      json(200, { data: [{ row: 4, duplicate: false, values: { SKU: '' }, errors: [{ field: 'sku', column: 'SKU', code: 'required', message: 'is required' }] }], next_after: null }),
  });
  return { calls, bodies };
}

it('imports products: upload with entity=products, SKU duplicates updated, progress and refused rows, links back to products', async () => {
  const { calls, bodies } = server('products');
  renderAt('/products/import');
  expect(screen.getByRole('heading', { name: 'Import products' })).toBeInTheDocument();
  // Recent imports: the products ones only.
  expect(await screen.findByRole('link', { name: 'products.csv' })).toHaveAttribute('href', '/products/import/job-products');
  expect(screen.queryByRole('link', { name: 'people.csv' })).toBeNull();

  await userEvent.upload(screen.getByLabelText('CSV file'), new NodeFile(['SKU,Name\n'], 'products.csv', { type: 'text/csv' }) as unknown as File);
  await userEvent.click(screen.getByRole('button', { name: 'Upload' }));
  expect(await screen.findByRole('form', { name: 'Map columns' })).toBeInTheDocument();
  expect(calls).toContain('POST /api/v1/imports?entity=products&file_name=products.csv');
  expect(calls).toContain('GET /api/v1/imports/fields?entity=products');
  expect(screen.getByLabelText('Field for column SKU')).toHaveValue('sku');

  const choice = screen.getByRole('combobox', { name: 'When the SKU already exists' });
  await userEvent.selectOptions(choice, 'update');
  await userEvent.click(screen.getByRole('button', { name: 'Start import' }));
  expect(await screen.findByText(/Import finished\./)).toHaveTextContent('1 of 3 rows imported, 1 updated existing records; 1 rejected, 0 skipped as duplicates.');
  expect(bodies).toEqual([{ mapping: { SKU: 'sku', Name: 'name', Price: 'price', Currency: 'currency' }, on_duplicate: 'update' }]);
  expect(screen.getByRole('progressbar', { name: 'Import progress' })).toHaveAttribute('aria-valuenow', '100');
  expect(await screen.findByRole('row', { name: /^4 SKU/ })).toHaveTextContent('sku: is required');
  expect(screen.getAllByRole('link', { name: 'Back to products' })[0]).toHaveAttribute('href', '/products');
  expect(screen.getByRole('link', { name: 'Import another file' })).toHaveAttribute('href', '/products/import');
});

it('imports transactions without an update mode', async () => {
  const { bodies } = server('transactions');
  renderAt('/transactions/import/job-transactions');
  const form = await screen.findByRole('form', { name: 'Map columns' });
  expect(screen.getByRole('heading', { name: 'Import transactions' })).toBeInTheDocument();
  expect(within(form).queryByRole('combobox', { name: /already exists/ })).toBeNull();
  expect(within(form).getByText('order_ref', { selector: 'strong' })).toBeInTheDocument();
  await userEvent.click(screen.getByRole('button', { name: 'Start import' }));
  expect(await screen.findByText(/Import finished\./)).toBeInTheDocument();
  expect(bodies).toEqual([{ mapping: { 'Order ID': 'order_ref', 'E-mail': 'customer_email', SKU: 'sku', Qty: 'quantity' }, on_duplicate: 'skip' }]);
  expect(screen.getByRole('link', { name: 'Import another file' })).toHaveAttribute('href', '/transactions/import');
});

it('offers each import only to the roles that may create the records', async () => {
  const cases: [Parameters<typeof me>[0], ImportEntity, boolean][] = [
    ['manager', 'products', true],
    ['sales_rep', 'products', false],
    ['sales_rep', 'transactions', true],
    ['support', 'transactions', false],
    ['viewer', 'customers', false],
  ];
  for (const [role, entity, shown] of cases) {
    serve({ 'GET /api/v1/auth/me': () => me(role) });
    const { unmount } = render(
      <Provider store={signedInStore()}>
        <MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
          <ImportLink entity={entity}>Import {entity}</ImportLink>
          <SignedInAs />
        </MemoryRouter>
      </Provider>,
    );
    // Once "me" has arrived, the link is there or not.
    await screen.findByText(`signed in as ${role}`);
    if (shown) expect(screen.getByRole('link', { name: `Import ${entity}` })).toHaveAttribute('href', `/${entity}/import`);
    else expect(screen.queryByRole('link', { name: `Import ${entity}` })).toBeNull();
    unmount();
  }
});
