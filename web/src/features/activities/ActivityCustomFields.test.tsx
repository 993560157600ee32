import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { activity } from '../customFields/testData';
import { json, problem, shown } from '../../test/utils';
import { openDetails, servePage } from './testPage';

// Whole screens driven through user-event: seconds each on a loaded 2-core machine.
vi.setConfig({ testTimeout: 15_000 });

afterEach(() => vi.unstubAllGlobals());

it('asks the quick log for the required activity fields only, catches a bad number, sends the values in attributes and shows their 422', async () => {
  let answer: Response | null = problem(422, 'validation_failed', [{ field: 'attributes.outcome', code: 'invalid_choice', message: 'must be one of: reached, voicemail' }]);
  const { sent } = servePage({ create: () => answer ?? json(201, activity({ id: 'a2', subject: 'Call with Ada Lovelace' })) });
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name: 'Log call' }));
  const form = screen.getByRole('form', { name: 'New call' });
  const outcome = await within(form).findByLabelText('Outcome (required)');
  const effort = within(form).getByLabelText('Effort (required)');
  expect(within(form).queryByLabelText(/Ticket/)).not.toBeInTheDocument();
  // A call has no due time.
  expect(within(form).queryByLabelText('Due')).not.toBeInTheDocument();

  await user.selectOptions(outcome, 'reached');
  await user.type(effort, 'lots');
  await user.click(within(form).getByRole('button', { name: 'Save' }));
  expect(effort).toHaveAccessibleDescription('must be a number');
  expect(sent).toEqual([]);

  await user.clear(effort);
  await user.type(effort, '20');
  await user.click(within(form).getByRole('button', { name: 'Save' }));
  expect(sent).toEqual([{ method: 'POST', ifMatch: null, body: { kind: 'call', subject: 'Call with Ada Lovelace', body: null, customer_id: 'c1', due_at: null, attributes: { outcome: 'reached', effort: 20 } } }]);
  expect(await within(form).findByText('must be one of: reached, voicemail')).toBeInTheDocument();
  expect(outcome).toHaveAttribute('aria-invalid', 'true');
  expect(outcome).toHaveAccessibleDescription('must be one of: reached, voicemail');

  answer = null;
  await user.click(within(form).getByRole('button', { name: 'Save' }));
  expect(await screen.findByText('Logged “Call with Ada Lovelace”.')).toBeInTheDocument();
  expect(screen.queryByRole('form', { name: 'New call' })).not.toBeInTheDocument();
});

it('gives a task from the quick log a due time, sent as UTC', async () => {
  const { sent } = servePage();
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name: 'Add task' }));
  const form = screen.getByRole('form', { name: 'New task' });
  const due = within(form).getByLabelText('Due');
  await user.clear(due);
  await user.type(due, '2026-03-09T14:30');
  await user.selectOptions(await within(form).findByLabelText('Outcome (required)'), 'voicemail');
  await user.type(within(form).getByLabelText('Effort (required)'), '5');
  await user.click(within(form).getByRole('button', { name: 'Save' }));
  expect(sent[0]?.body).toMatchObject({ kind: 'task', subject: 'Follow up with Ada Lovelace', due_at: new Date(2026, 2, 9, 14, 30).toISOString(), attributes: { outcome: 'voicemail', effort: 5 } });
});

it('opens an activity of the customer in a panel and edits its custom values with If-Match, keeping the other attributes', async () => {
  let answer: Response | null = null;
  const { sent } = servePage({ patch: () => answer ?? json(200, {}) });
  const user = userEvent.setup();
  const panel = await openDetails(user);
  expect(shown(panel, 'Outcome')).toMatch(/^reached/);
  expect(shown(panel, 'Effort')).toMatch(/^15/);
  expect(shown(panel, 'Ticket')).toMatch(/^—/);
  // An attribute no field defines is shown as it is.
  expect(shown(panel, 'legacy')).toBe('kept');

  await user.click(within(panel).getByRole('button', { name: 'Edit ticket' }));
  await user.type(within(panel).getByLabelText('Ticket'), 'T-1{Enter}');
  expect(sent).toEqual([{ method: 'PATCH', ifMatch: '"a1-1"', body: { attributes: { outcome: 'reached', effort: 15, legacy: 'kept', ticket: 'T-1' } } }]);
  await within(panel).findByRole('button', { name: 'Edit ticket' });
  expect(shown(panel, 'Ticket')).toMatch(/^T-1/);

  // A value another activity holds: the API's 409 under it.
  answer = problem(409, 'value_taken', [{ field: 'attributes.ticket', code: 'value_taken', message: 'another activity holds this value' }]);
  await user.click(within(panel).getByRole('button', { name: 'Edit ticket' }));
  await user.clear(within(panel).getByLabelText('Ticket'));
  await user.type(within(panel).getByLabelText('Ticket'), 'T-2{Enter}');
  expect(sent[1]).toEqual({ method: 'PATCH', ifMatch: '"a1-2"', body: { attributes: { outcome: 'reached', effort: 15, legacy: 'kept', ticket: 'T-2' } } });
  expect(await within(panel).findByText('another activity holds this value')).toBeInTheDocument();
  expect(within(panel).getByLabelText('Ticket')).toHaveAccessibleDescription('another activity holds this value');
});

it('answers a concurrent change (412) by showing the latest version and asking to apply the change again', async () => {
  let answer: Response | null = problem(412, 'precondition_failed');
  const { sent, changeElsewhere } = servePage({ patch: () => answer ?? json(200, {}) });
  const user = userEvent.setup();
  const panel = await openDetails(user);
  await user.click(within(panel).getByRole('button', { name: 'Edit subject' }));
  changeElsewhere({ attributes: { outcome: 'voicemail', effort: 15 } });
  await user.clear(within(panel).getByLabelText('Subject'));
  await user.type(within(panel).getByLabelText('Subject'), 'First call{Enter}');
  expect(sent).toEqual([{ method: 'PATCH', ifMatch: '"a1-1"', body: { subject: 'First call' } }]);
  expect(await within(panel).findByText(/Someone else changed this activity meanwhile/)).toBeInTheDocument();
  // The latest version is shown, and the next save is based on it.
  await within(panel).findByText('voicemail');
  answer = null;
  await user.click(within(panel).getByRole('button', { name: 'Save' }));
  expect(sent[1]).toEqual({ method: 'PATCH', ifMatch: '"a1-2"', body: { subject: 'First call' } });
});

it('shows the activity of another owner read-only to a sales rep, who may still log new ones', async () => {
  servePage({ role: 'sales_rep', current: activity({ owner_id: 'someone-else', attributes: { outcome: 'reached' } }) });
  const user = userEvent.setup();
  await screen.findByRole('button', { name: 'Log call' });
  const panel = await openDetails(user);
  expect(shown(panel, 'Outcome')).toMatch(/^reached/);
  expect(within(panel).queryByRole('button', { name: /^Edit/ })).not.toBeInTheDocument();
});

it('offers a viewer no quick log and no edits', async () => {
  servePage({ role: 'viewer' });
  const user = userEvent.setup();
  const panel = await openDetails(user);
  expect(shown(panel, 'Effort')).toMatch(/^15/);
  expect(within(panel).queryByRole('button', { name: /^Edit/ })).not.toBeInTheDocument();
  expect(screen.queryByRole('button', { name: 'Log call' })).not.toBeInTheDocument();
});
