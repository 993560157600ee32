import type { Role } from '../../app/nexusApi.generated';
import { can, canSee, canWriteActivity, canWriteTransactionsOf } from './permissions';

describe('role-aware screens', () => {
  it('shows settings to administrators only', () => {
    expect(canSee('admin', 'settings')).toBe(true);
    for (const role of ['manager', 'sales_rep', 'support', 'viewer'] as const) expect(canSee(role, 'settings')).toBe(false);
  });

  it('keeps viewers read-only and support away from deals', () => {
    expect(can('viewer', 'customers:write')).toBe(false);
    expect(canSee('viewer', 'deals')).toBe(true);
    expect(canSee('support', 'deals')).toBe(false);
    expect(canSee('support', 'tasks')).toBe(true);
  });

  it('lets only the roles that may create the records import them', () => {
    expect(['admin', 'manager', 'sales_rep', 'support', 'viewer'].filter((r) => canSee(r as Role, 'product-import'))).toEqual(['admin', 'manager']);
    expect(['admin', 'manager', 'sales_rep', 'support', 'viewer'].filter((r) => canSee(r as Role, 'transaction-import'))).toEqual(['admin', 'manager', 'sales_rep']);
    expect(canSee('support', 'customer-import')).toBe(false);
  });
});

describe('record-level write rights (as the server decides them)', () => {
  const user = (role: Role, team_id: string | null = 't1') => ({ id: 'me', role, team_id });
  const mine = { owner_id: 'me', team_id: 't1' };
  const teammates = { owner_id: 'other', team_id: 't1' };
  const elsewhere = { owner_id: 'other', team_id: 't2' };

  it('lets owners, assignees, their managers and admins change an activity, never viewers', () => {
    expect(canWriteActivity(user('sales_rep'), mine)).toBe(true);
    expect(canWriteActivity(user('sales_rep'), teammates)).toBe(false);
    expect(canWriteActivity(user('support'), { ...elsewhere, assignee_id: 'me' })).toBe(true);
    expect(canWriteActivity(user('support'), teammates)).toBe(false);
    expect(canWriteActivity(user('manager'), teammates)).toBe(true);
    expect(canWriteActivity(user('manager'), elsewhere)).toBe(false);
    // A manager without a team has no team's records.
    expect(canWriteActivity(user('manager', null), { owner_id: 'other', team_id: null })).toBe(false);
    expect(canWriteActivity(user('admin'), elsewhere)).toBe(true);
    expect(canWriteActivity(user('viewer'), mine)).toBe(false);
    expect(canWriteActivity(undefined, mine)).toBe(false);
  });

  it('lets the customer\'s owner, their manager and admins change its transactions, never support or viewers', () => {
    expect(canWriteTransactionsOf(user('sales_rep'), mine)).toBe(true);
    expect(canWriteTransactionsOf(user('sales_rep'), teammates)).toBe(false);
    expect(canWriteTransactionsOf(user('manager'), teammates)).toBe(true);
    expect(canWriteTransactionsOf(user('manager'), elsewhere)).toBe(false);
    expect(canWriteTransactionsOf(user('admin'), elsewhere)).toBe(true);
    expect(canWriteTransactionsOf(user('support'), mine)).toBe(false);
    expect(canWriteTransactionsOf(user('viewer'), mine)).toBe(false);
  });
});
