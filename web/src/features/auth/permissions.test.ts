import { can, canSee } from './permissions';

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
});
