import { within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { User } from '../../app/api';
import { activity } from '../customFields/testData';
import { json, problem, shown } from '../../test/utils';
import { openDetails, servePage } from './testPage';

// Whole screens driven through user-event: seconds each on a loaded 2-core machine.
vi.setConfig({ testTimeout: 15_000 });

afterEach(() => vi.unstubAllGlobals());

const person = (id: string, name: string, active = true): User => ({ id, email: `${id}@example.com`, name, role: 'sales_rep', active, version: 1, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' });

it('edits the details in a text area and saves them, lines kept, with If-Match; the API\'s message appears under them', async () => {
  let answer: Response | null = null;
  const { sent } = servePage({ current: activity({ body: 'Asked for a quote' }), patch: () => answer ?? json(200, {}) });
  const user = userEvent.setup();
  const panel = await openDetails(user);
  expect(shown(panel, 'Details')).toMatch(/^Asked for a quote/);
  await user.click(within(panel).getByRole('button', { name: 'Edit details' }));
  const details = within(panel).getByRole('textbox', { name: 'Details' });
  await user.type(details, '{Enter}Wants SSO');
  expect(sent).toEqual([]);
  await user.keyboard('{Control>}{Enter}{/Control}');
  expect(sent).toEqual([{ method: 'PATCH', ifMatch: '"a1-1"', body: { body: 'Asked for a quote\nWants SSO' } }]);
  await within(panel).findByRole('button', { name: 'Edit details' });
  expect(shown(panel, 'Details')).toMatch(/^Asked for a quote\nWants SSO/);

  answer = problem(422, 'validation_failed', [{ field: 'body', code: 'too_long', message: 'must be at most 20000 characters' }]);
  await user.click(within(panel).getByRole('button', { name: 'Edit details' }));
  await user.type(within(panel).getByRole('textbox', { name: 'Details' }), '!');
  await user.click(within(panel).getByRole('button', { name: 'Save' }));
  expect(sent[1]).toEqual({ method: 'PATCH', ifMatch: '"a1-2"', body: { body: 'Asked for a quote\nWants SSO!' } });
  expect(await within(panel).findByText('must be at most 20000 characters')).toBeInTheDocument();
  expect(within(panel).getByRole('textbox', { name: 'Details' })).toHaveAccessibleDescription(/must be at most 20000 characters/);
});

it('clears the details with an empty text (body null)', async () => {
  const { sent } = servePage({ current: activity({ body: 'Old notes' }) });
  const user = userEvent.setup();
  const panel = await openDetails(user);
  await user.click(within(panel).getByRole('button', { name: 'Edit details' }));
  await user.clear(within(panel).getByRole('textbox', { name: 'Details' }));
  await user.click(within(panel).getByRole('button', { name: 'Save' }));
  expect(sent).toEqual([{ method: 'PATCH', ifMatch: '"a1-1"', body: { body: null } }]);
});

it('changes the kind with a select of the five kinds', async () => {
  const { sent } = servePage();
  const user = userEvent.setup();
  const panel = await openDetails(user);
  expect(shown(panel, 'Kind')).toMatch(/^Call/);
  await user.click(within(panel).getByRole('button', { name: 'Edit kind' }));
  const kind = within(panel).getByRole('combobox', { name: 'Kind' });
  expect(within(kind).getAllByRole('option').map((o) => o.textContent)).toEqual(['Note', 'Call', 'Email', 'Meeting', 'Task']);
  await user.selectOptions(kind, 'Meeting');
  await user.click(within(panel).getByRole('button', { name: 'Save' }));
  expect(sent).toEqual([{ method: 'PATCH', ifMatch: '"a1-1"', body: { kind: 'meeting' } }]);
  await within(panel).findByRole('button', { name: 'Edit kind' });
  expect(shown(panel, 'Kind')).toMatch(/^Meeting/);
});

it('reopens a done activity and marks it done again, each with If-Match', async () => {
  const { sent } = servePage({ current: activity({ done: true, completed_at: '2026-03-01T10:00:00Z' }) });
  const user = userEvent.setup();
  const panel = await openDetails(user);
  expect(shown(panel, 'State')).toMatch(/^Done/);
  await user.click(within(panel).getByRole('button', { name: 'Reopen' }));
  expect(sent).toEqual([{ method: 'PATCH', ifMatch: '"a1-1"', body: { done: false } }]);
  await user.click(await within(panel).findByRole('button', { name: 'Mark done' }));
  expect(sent[1]).toEqual({ method: 'PATCH', ifMatch: '"a1-2"', body: { done: true } });
  await within(panel).findByRole('button', { name: 'Reopen' });
});

it('assigns the activity to an active user an admin may list, or to nobody', async () => {
  const { sent } = servePage({ users: [person('user-1', 'A admin'), person('u3', 'Zed Former', false), person('u2', 'Grace Hopper')] });
  const user = userEvent.setup();
  const panel = await openDetails(user);
  expect(shown(panel, 'Assignee')).toMatch(/^Unassigned/);
  await user.click(within(panel).getByRole('button', { name: 'Edit assignee' }));
  const assignee = within(panel).getByRole('combobox', { name: 'Assignee' });
  // Deactivated users cannot be assigned (the API answers 422 unknown_user).
  expect(within(assignee).getAllByRole('option').map((o) => o.textContent)).toEqual(['Unassigned', 'A admin (you)', 'Grace Hopper']);
  await user.selectOptions(assignee, 'Grace Hopper');
  await user.click(within(panel).getByRole('button', { name: 'Save' }));
  expect(sent).toEqual([{ method: 'PATCH', ifMatch: '"a1-1"', body: { assignee_id: 'u2' } }]);
  await within(panel).findByRole('button', { name: 'Edit assignee' });
  expect(shown(panel, 'Assignee')).toMatch(/^Grace Hopper/);

  await user.click(within(panel).getByRole('button', { name: 'Edit assignee' }));
  await user.selectOptions(within(panel).getByRole('combobox', { name: 'Assignee' }), 'Unassigned');
  await user.click(within(panel).getByRole('button', { name: 'Save' }));
  expect(sent[1]).toEqual({ method: 'PATCH', ifMatch: '"a1-2"', body: { assignee_id: null } });
});

it('lets a sales rep, who may not list users, assign their own activity to themselves, keeping an unseen assignee as it is', async () => {
  const { sent, calls } = servePage({ role: 'sales_rep', current: activity({ assignee_id: 'someone-else' }) });
  const user = userEvent.setup();
  const panel = await openDetails(user);
  expect(shown(panel, 'Assignee')).toMatch(/^Another user/);
  await user.click(within(panel).getByRole('button', { name: 'Edit assignee' }));
  const assignee = within(panel).getByRole('combobox', { name: 'Assignee' });
  expect(within(assignee).getAllByRole('option').map((o) => o.textContent)).toEqual(['Unassigned', 'A sales_rep (you)', 'Another user']);
  expect(assignee).toHaveDisplayValue('Another user');
  await user.selectOptions(assignee, 'A sales_rep (you)');
  await user.click(within(panel).getByRole('button', { name: 'Save' }));
  expect(sent).toEqual([{ method: 'PATCH', ifMatch: '"a1-1"', body: { assignee_id: 'user-1' } }]);
  expect(calls.some((c) => c.startsWith('GET /api/v1/users'))).toBe(false);
});

it('offers a viewer no edit of any field and no done button', async () => {
  servePage({ role: 'viewer', current: activity({ body: 'Private notes', done: false }) });
  const panel = await openDetails(userEvent.setup());
  expect(shown(panel, 'Details')).toBe('Private notes');
  expect(shown(panel, 'State')).toBe('Open');
  expect(within(panel).queryByRole('button', { name: /^Edit/ })).not.toBeInTheDocument();
  expect(within(panel).queryByRole('button', { name: /^(Mark done|Reopen)$/ })).not.toBeInTheDocument();
  expect(within(panel).queryByRole('textbox')).not.toBeInTheDocument();
});
