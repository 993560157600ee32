import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { customer, transaction } from '../customFields/testData';
import { json, problem, shown } from '../../test/utils';
import { toLocalInput } from '../../lib/localTime';
import { openDetails, servePage } from './testPage';

// Whole screens driven through user-event: seconds each on a loaded 2-core machine.
vi.setConfig({ testTimeout: 15_000 });

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

it('shows the line items, the total and the custom values of a transaction opened from its customer', async () => {
  servePage();
  const panel = await openDetails(userEvent.setup());
  const items = within(panel).getByRole('region', { name: 'Line items' });
  const rows = within(items).getAllByRole('row');
  expect(rows.map((r) => within(r).queryAllByRole('cell').map((c) => c.textContent))).toEqual([
    [],
    ['Difference engineENG-1', '2', expect.stringMatching(/990/), expect.stringMatching(/1,?980/)],
    ['Punched cardsCARD-100', '3', expect.stringMatching(/19[.,]90/), expect.stringMatching(/59[.,]70/)],
    [expect.stringMatching(/2,?039[.,]70/)],
  ]);
  expect(shown(panel, 'Channel')).toMatch(/^web/);
  expect(shown(panel, 'Invoice number')).toMatch(/^—/);
  expect(shown(panel, 'Reference')).toMatch(/^PO-7/);
  expect(shown(panel, 'legacy')).toBe('7');
});

it('edits a custom value alone (a PATCH of attributes with If-Match) and shows a 409 value_taken under it', async () => {
  let answer: Response | null = null;
  const { sent } = servePage({ patch: () => answer ?? json(200, {}) });
  const user = userEvent.setup();
  const panel = await openDetails(user);
  await user.click(within(panel).getByRole('button', { name: 'Edit channel' }));
  await user.selectOptions(within(panel).getByLabelText('Channel'), 'phone');
  await user.click(within(panel).getByRole('button', { name: 'Save' }));
  expect(sent).toEqual([{ ifMatch: '"t1-1"', body: { attributes: { channel: 'phone', legacy: 7 } } }]);
  await within(panel).findByRole('button', { name: 'Edit channel' });

  answer = problem(409, 'value_taken', [{ field: 'attributes.invoice_no', code: 'value_taken', message: 'another transaction holds this value' }]);
  await user.click(within(panel).getByRole('button', { name: 'Edit invoice number' }));
  await user.type(within(panel).getByLabelText('Invoice number'), 'INV-1{Enter}');
  expect(sent[1]).toEqual({ ifMatch: '"t1-2"', body: { attributes: { channel: 'phone', legacy: 7, invoice_no: 'INV-1' } } });
  expect(await within(panel).findByText('another transaction holds this value')).toBeInTheDocument();
  expect(within(panel).getByLabelText('Invoice number')).toHaveAccessibleDescription('another transaction holds this value');
});

it('edits the date (datetime-local, sent as UTC), the reference and the external ref, each alone with If-Match', async () => {
  const { sent } = servePage();
  const user = userEvent.setup();
  const panel = await openDetails(user);
  await user.click(within(panel).getByRole('button', { name: 'Edit date' }));
  const date = within(panel).getByLabelText('Date');
  expect(date).toHaveValue(toLocalInput('2026-03-09T10:30:00Z'));
  await user.clear(date);
  await user.type(date, '2026-04-01T09:15{Enter}');
  expect(sent).toEqual([{ ifMatch: '"t1-1"', body: { occurred_at: new Date(2026, 3, 1, 9, 15).toISOString() } }]);
  await within(panel).findByRole('button', { name: 'Edit date' });

  await user.click(within(panel).getByRole('button', { name: 'Edit reference' }));
  await user.clear(within(panel).getByLabelText('Reference'));
  await user.type(within(panel).getByLabelText('Reference'), 'PO-8{Enter}');
  expect(sent[1]).toEqual({ ifMatch: '"t1-2"', body: { reference: 'PO-8' } });
  await within(panel).findByRole('button', { name: 'Edit reference' });
  expect(shown(panel, 'Reference')).toMatch(/^PO-8/);

  await user.click(within(panel).getByRole('button', { name: 'Edit external ref' }));
  await user.type(within(panel).getByLabelText('External ref'), 'SHOP-1001{Enter}');
  expect(sent[2]).toEqual({ ifMatch: '"t1-3"', body: { external_ref: 'SHOP-1001' } });
  await within(panel).findByRole('button', { name: 'Edit external ref' });
  expect(shown(panel, 'External ref')).toMatch(/^SHOP-1001/);
});

it('refuses an empty date before asking the server', async () => {
  const { sent } = servePage();
  const user = userEvent.setup();
  const panel = await openDetails(user);
  await user.click(within(panel).getByRole('button', { name: 'Edit date' }));
  await user.clear(within(panel).getByLabelText('Date'));
  await user.click(within(panel).getByRole('button', { name: 'Save' }));
  expect(sent).toEqual([]);
  expect(within(panel).getByLabelText('Date')).toHaveAccessibleDescription('enter the date and time of the sale');
});

it('shows a 409 external_ref_taken under the external ref, and clears the external ref with an empty text', async () => {
  let answer: Response | null = problem(409, 'external_ref_taken', [{ field: 'external_ref', code: 'external_ref_taken', message: 'a live transaction has this external_ref' }]);
  const { sent } = servePage({ start: transaction({ external_ref: 'SHOP-1' }), patch: () => answer ?? json(200, {}) });
  const user = userEvent.setup();
  const panel = await openDetails(user);
  await user.click(within(panel).getByRole('button', { name: 'Edit external ref' }));
  const ref = within(panel).getByLabelText('External ref');
  await user.clear(ref);
  await user.type(ref, 'SHOP-2{Enter}');
  expect(sent).toEqual([{ ifMatch: '"t1-1"', body: { external_ref: 'SHOP-2' } }]);
  expect(await within(panel).findByText('a live transaction has this external_ref')).toBeInTheDocument();
  expect(within(panel).getByLabelText('External ref')).toHaveAttribute('aria-invalid', 'true');
  expect(within(panel).getByLabelText('External ref')).toHaveAccessibleDescription('a live transaction has this external_ref');

  answer = null;
  await user.clear(within(panel).getByLabelText('External ref'));
  await user.click(within(panel).getByRole('button', { name: 'Save' }));
  expect(sent[1]).toEqual({ ifMatch: '"t1-1"', body: { external_ref: null } });
  await within(panel).findByRole('button', { name: 'Edit external ref' });
  expect(shown(panel, 'External ref')).toMatch(/^—/);
});

it('moves the status with the required values in the same PATCH, and shows their 422 in the move form', async () => {
  let answer: Response | null = problem(422, 'validation_failed', [{ field: 'attributes.invoice_no', code: 'required', message: 'is required' }]);
  const { sent } = servePage({ patch: () => answer ?? json(200, {}) });
  const user = userEvent.setup();
  const panel = await openDetails(user);
  await user.click(within(panel).getByRole('button', { name: 'Change status' }));
  const form = within(panel).getByRole('form', { name: 'Change status' });
  const to = within(form).getByLabelText('New status');
  // A pending transaction may be completed or cancelled, nothing else.
  expect(within(to).getAllByRole('option').map((o) => o.textContent)).toEqual(['Completed', 'Cancelled']);
  // Only the required fields are asked for.
  expect(within(form).queryByLabelText(/Channel/)).not.toBeInTheDocument();
  const invoice = within(form).getByLabelText('Invoice number (required)');
  await user.click(within(form).getByRole('button', { name: 'Change status' }));
  expect(sent).toEqual([{ ifMatch: '"t1-1"', body: { status: 'completed', attributes: { channel: 'web', legacy: 7 } } }]);
  expect(await within(form).findByText('is required')).toBeInTheDocument();
  expect(invoice).toHaveAccessibleDescription('is required');

  answer = null;
  await user.type(invoice, 'INV-9');
  await user.click(within(form).getByRole('button', { name: 'Change status' }));
  expect(sent[1]).toEqual({ ifMatch: '"t1-1"', body: { status: 'completed', attributes: { channel: 'web', legacy: 7, invoice_no: 'INV-9' } } });
  expect(await within(panel).findByText('Status changed to completed.')).toBeInTheDocument();
  expect(within(panel).queryByRole('form', { name: 'Change status' })).not.toBeInTheDocument();
  // Completed: the only move left is a refund, which starts from the stored invoice number.
  await user.click(await within(panel).findByRole('button', { name: 'Change status' }));
  expect(within(panel).getByLabelText('New status')).toHaveDisplayValue('Refunded');
  expect(within(panel).getByLabelText('Invoice number (required)')).toHaveValue('INV-9');
});

it('offers no edits and no status move to whoever may not write the customer\'s transactions', async () => {
  // A sales rep who does not own the customer.
  servePage({ role: 'sales_rep', owner: customer({ owner_id: 'someone-else' }), start: transaction({ attributes: { invoice_no: 'INV-3' } }) });
  const panel = await openDetails(userEvent.setup());
  expect(shown(panel, 'Invoice number')).toMatch(/^INV-3/);
  expect(shown(panel, 'Reference')).toBe('PO-7');
  expect(within(panel).queryByRole('button', { name: /^Edit/ })).not.toBeInTheDocument();
  expect(within(panel).queryByRole('textbox')).not.toBeInTheDocument();
  expect(within(panel).queryByRole('button', { name: 'Change status' })).not.toBeInTheDocument();
});

it('offers no status move for a final status, but still the edits the API allows in it', async () => {
  servePage({ start: transaction({ status: 'cancelled' }) });
  const panel = await openDetails(userEvent.setup());
  for (const name of ['Edit date', 'Edit reference', 'Edit external ref', 'Edit channel']) expect(within(panel).getByRole('button', { name })).toBeInTheDocument();
  expect(within(panel).queryByRole('button', { name: 'Change status' })).not.toBeInTheDocument();
});

it('offers the custom fields of transactions as optional columns of the customer\'s transactions, kept in the browser', async () => {
  servePage({ start: transaction({ attributes: { invoice_no: 'INV-4', channel: 'phone' } }) });
  const user = userEvent.setup();
  const list = await screen.findByRole('region', { name: 'Transactions' });
  await within(list).findByRole('button', { name: /^Details of Transaction of/ });
  expect(within(list).queryByRole('columnheader', { name: 'Invoice number' })).not.toBeInTheDocument();
  await user.click(await within(list).findByText('Columns'));
  const chooser = within(list).getByRole('group', { name: 'Visible columns' });
  expect(within(chooser).getByLabelText('Date')).toBeDisabled();
  await user.click(within(chooser).getByLabelText('Invoice number'));
  expect(within(list).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Date', 'Status', 'Items', 'Total', 'Invoice number']);
  expect(within(list).getAllByRole('row')[1]?.lastElementChild?.textContent).toBe('INV-4');
  expect(JSON.parse(localStorage.getItem('nexus.customer.transactions.columns') ?? '[]')).toEqual(['cf.invoice_no']);
});
