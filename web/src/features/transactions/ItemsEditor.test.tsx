import { waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Role, TransactionStatus } from '../../app/api';
import { transaction } from '../customFields/testData';
import { json, problem } from '../../test/utils';
import { openDetails, servePage } from './testPage';

// Whole screens driven through user-event: seconds each on a loaded 2-core machine.
vi.setConfig({ testTimeout: 20_000 });

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

type User = ReturnType<typeof userEvent.setup>;

/** Opens the item editor of the panel; `line(n)` is the group of the n-th line. */
async function editItems(user: User) {
  const panel = await openDetails(user);
  await user.click(within(panel).getByRole('button', { name: 'Edit items' }));
  const form = within(panel).getByRole('form', { name: 'Edit line items' });
  const line = (n: number) => within(form).getByRole('group', { name: `Line ${n}` });
  return { panel, form, line };
}

async function retype(user: User, input: HTMLElement, text: string) {
  await user.clear(input);
  await user.type(input, text);
}

it('edits the lines (a quantity, a product found by SKU or name, a line removed) and sends them as items in one PATCH with If-Match', async () => {
  const { sent, calls } = servePage();
  const user = userEvent.setup();
  const { panel, form, line } = await editItems(user);
  // The lines start from the stored ones, each at the price it was sold at.
  expect(within(line(1)).getByLabelText('Find product')).toHaveFocus();
  expect(within(line(1)).getByLabelText('Product')).toHaveDisplayValue(/^Difference engine \(ENG-1\)/);
  expect(within(line(1)).getByLabelText('Unit price')).toHaveValue('990.00');
  expect(within(line(2)).getByLabelText('Quantity')).toHaveValue('3');
  const total = within(form).getByRole('status', { name: 'New total' });
  expect(total).toHaveTextContent(/2,?039[.,]70/);

  await retype(user, within(line(1)).getByLabelText('Quantity'), '3');
  expect(total).toHaveTextContent(/3,?029[.,]70/);

  await user.click(within(form).getByRole('button', { name: 'Add line' }));
  const find = within(line(3)).getByLabelText('Find product');
  expect(find).toHaveFocus();
  expect(total).toHaveTextContent(/choose a product/);
  await user.type(find, 'gear');
  // The matches of the typed text replace the first products listed.
  await waitFor(() => expect(within(line(3)).queryByRole('option', { name: /Difference engine/ })).not.toBeInTheDocument());
  expect(within(line(3)).getByRole('option', { name: /^Brass gear \(GEAR-9\) · €?12[.,]50/ })).toBeInTheDocument();
  await user.selectOptions(within(line(3)).getByLabelText('Product'), 'p3');
  // No unit price: the list price, as the hint says and the preview counts.
  expect(within(line(3)).getByLabelText('Unit price')).toHaveAccessibleDescription(/list price, €?12[.,]50/);
  await retype(user, within(line(3)).getByLabelText('Quantity'), '4');
  expect(total).toHaveTextContent(/3,?079[.,]70/);
  // Only active products of the transaction's currency are searched, by the typed text.
  const search = calls.filter((c) => c.startsWith('GET /api/v1/products?')).map((c) => new URL(c.slice(4), 'http://x').searchParams);
  expect(search.some((p) => p.get('q') === 'gear' && p.get('active') === 'true' && p.get('currency') === 'EUR')).toBe(true);
  expect(search.every((p) => p.get('active') === 'true' && p.get('currency') === 'EUR')).toBe(true);

  await user.click(within(line(2)).getByRole('button', { name: 'Remove line 2' }));
  expect(within(form).queryByRole('group', { name: 'Line 3' })).not.toBeInTheDocument();
  expect(within(form).getByRole('button', { name: 'Add line' })).toHaveFocus();
  expect(total).toHaveTextContent(/3,?020[.,]00/);

  await user.click(within(form).getByRole('button', { name: 'Save items' }));
  expect(sent).toEqual([
    {
      ifMatch: '"t1-1"',
      body: {
        items: [
          { product_id: 'p1', quantity: 3, unit_price: 99000 },
          { product_id: 'p3', quantity: 4 },
        ],
      },
    },
  ]);
  expect(await within(panel).findByText(/^Line items saved/)).toBeInTheDocument();
  expect(within(panel).queryByRole('form', { name: 'Edit line items' })).not.toBeInTheDocument();
  expect(within(panel).getByRole('button', { name: 'Edit items' })).toHaveFocus();
  // The table shows the lines and the total as the server stored them.
  const items = within(panel).getByRole('region', { name: 'Line items' });
  await within(items).findByText('Brass gear');
  expect(within(items).getAllByRole('row').at(-1)).toHaveTextContent(/3,?020[.,]00/);
});

it('shows a 422 for items[1].quantity next to the quantity of line 2, and catches a quantity that is not a whole number first', async () => {
  const message = 'quantity × unit price must not exceed 1000000000000000 minor units';
  const { sent } = servePage({ patch: () => problem(422, 'validation_failed', [{ field: 'items[1].quantity', code: 'amount_too_large', message }]) });
  const user = userEvent.setup();
  const { form, line } = await editItems(user);

  await retype(user, within(line(1)).getByLabelText('Quantity'), '1.5');
  await user.click(within(form).getByRole('button', { name: 'Save items' }));
  expect(sent).toEqual([]);
  expect(within(line(1)).getByLabelText('Quantity')).toHaveAccessibleDescription(/must be a whole number/);

  await retype(user, within(line(1)).getByLabelText('Quantity'), '2');
  await retype(user, within(line(2)).getByLabelText('Quantity'), '999999');
  await user.click(within(form).getByRole('button', { name: 'Save items' }));
  expect(sent).toEqual([
    {
      ifMatch: '"t1-1"',
      body: {
        items: [
          { product_id: 'p1', quantity: 2, unit_price: 99000 },
          { product_id: 'p2', quantity: 999999, unit_price: 1990 },
        ],
      },
    },
  ]);
  expect(await within(line(2)).findByText(message)).toBeInTheDocument();
  const quantity = within(line(2)).getByLabelText('Quantity');
  expect(quantity).toHaveAttribute('aria-invalid', 'true');
  expect(quantity).toHaveAccessibleDescription(message);
  expect(within(line(1)).getByLabelText('Quantity')).not.toHaveAttribute('aria-invalid');
  expect(within(form).getByRole('alert')).toHaveTextContent('Please correct the fields marked below.');
});

it('after a concurrent change (412) says so and starts the lines again from the latest version', async () => {
  let first = true;
  const page = servePage({
    patch: () => {
      if (!first) return json(200, {});
      first = false;
      page.change({ items: [{ product_id: 'p2', sku: 'CARD-100', name: 'Punched cards', quantity: 5, unit_price: 1990, line_total: 9950 }], total: 9950 });
      return problem(412, 'precondition_failed');
    },
  });
  const user = userEvent.setup();
  const { form, line } = await editItems(user);
  await retype(user, within(line(1)).getByLabelText('Quantity'), '7');
  await user.click(within(form).getByRole('button', { name: 'Save items' }));
  expect(await within(form).findByText(/Someone else changed this transaction meanwhile/)).toBeInTheDocument();
  await within(form).findByDisplayValue('5');
  expect(within(form).getAllByRole('group')).toHaveLength(1);
  expect(within(line(1)).getByLabelText('Product')).toHaveDisplayValue(/^Punched cards \(CARD-100\)/);

  await user.click(within(form).getByRole('button', { name: 'Save items' }));
  expect(page.sent.map((s) => s.ifMatch)).toEqual(['"t1-1"', '"t1-2"']);
  expect(page.sent[1]?.body).toEqual({ items: [{ product_id: 'p2', quantity: 5, unit_price: 1990 }] });
});

it('cancels from the keyboard: Escape in a line closes the editor, not the panel, sends nothing and puts the focus back on "Edit items"', async () => {
  const { sent } = servePage();
  const user = userEvent.setup();
  const { panel, line } = await editItems(user);
  await retype(user, within(line(2)).getByLabelText('Quantity'), '9');
  await user.keyboard('{Escape}');
  expect(within(panel).queryByRole('form', { name: 'Edit line items' })).not.toBeInTheDocument();
  expect(within(panel).getByRole('button', { name: 'Edit items' })).toHaveFocus();
  expect(sent).toEqual([]);
  // Opened again, the lines are the stored ones.
  await user.click(within(panel).getByRole('button', { name: 'Edit items' }));
  expect(within(within(panel).getByRole('group', { name: 'Line 2' })).getByLabelText('Quantity')).toHaveValue('3');
});

it.each<[TransactionStatus, Role, boolean]>([
  ['pending', 'admin', true],
  ['completed', 'admin', true],
  ['refunded', 'admin', false],
  ['cancelled', 'admin', false],
  ['pending', 'viewer', false],
])('offers item edits of a %s transaction to a(n) %s: %s', async (status, role, offered) => {
  servePage({ role, start: transaction({ status }) });
  const panel = await openDetails(userEvent.setup());
  expect(within(panel).getByRole('region', { name: 'Line items' })).toBeInTheDocument();
  expect(within(panel).queryByRole('button', { name: 'Edit items' }) !== null).toBe(offered);
});
