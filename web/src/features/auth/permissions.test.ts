import type { Role } from '../../app/nexusApi.generated';
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

  it('lets only the roles that may create the records import them', () => {
    expect(['admin', 'manager', 'sales_rep', 'support', 'viewer'].filter((r) => canSee(r as Role, 'product-import'))).toEqual(['admin', 'manager']);
    expect(['admin', 'manager', 'sales_rep', 'support', 'viewer'].filter((r) => canSee(r as Role, 'transaction-import'))).toEqual(['admin', 'manager', 'sales_rep']);
    expect(canSee('support', 'customer-import')).toBe(false);
  });
});
