// What each role may do, mirroring `Role::permissions` in crates/nexus-core/src/auth.rs. The
// server enforces it; the UI only uses it to hide screens and controls a role cannot use.
import type { Role } from '../../app/nexusApi.generated';

export type Permission =
  | 'customers:read'
  | 'customers:write'
  | 'customers:reassign'
  | 'products:read'
  | 'products:write'
  | 'transactions:read'
  | 'transactions:write'
  | 'pipelines:read'
  | 'pipelines:manage'
  | 'deals:read'
  | 'deals:write'
  | 'activities:read'
  | 'activities:write'
  | 'users:read'
  | 'users:write'
  | 'teams:read'
  | 'teams:write'
  | 'api_keys:manage';

const ALL: Permission[] = [
  'customers:read',
  'customers:write',
  'customers:reassign',
  'products:read',
  'products:write',
  'transactions:read',
  'transactions:write',
  'pipelines:read',
  'pipelines:manage',
  'deals:read',
  'deals:write',
  'activities:read',
  'activities:write',
  'users:read',
  'users:write',
  'teams:read',
  'teams:write',
  'api_keys:manage',
];

const GRANTS: Record<Role, Permission[]> = {
  admin: ALL,
  manager: [
    'customers:read',
    'customers:write',
    'customers:reassign',
    'products:read',
    'products:write',
    'transactions:read',
    'transactions:write',
    'pipelines:read',
    'deals:read',
    'deals:write',
    'activities:read',
    'activities:write',
    'users:read',
    'teams:read',
  ],
  sales_rep: [
    'customers:read',
    'customers:write',
    'products:read',
    'transactions:read',
    'transactions:write',
    'pipelines:read',
    'deals:read',
    'deals:write',
    'activities:read',
    'activities:write',
  ],
  support: [
    'customers:read',
    'activities:read',
    'activities:write',
    'products:read',
    'transactions:read',
  ],
  viewer: [
    'customers:read',
    'products:read',
    'transactions:read',
    'pipelines:read',
    'deals:read',
    'activities:read',
  ],
};

export function can(role: Role | undefined, p: Permission): boolean {
  return role ? GRANTS[role].includes(p) : false;
}

/** Screens of the app and what they need; settings are for administrators only. */
export type Screen = 'dashboard' | 'customers' | 'customer-import' | 'product-import' | 'transaction-import' | 'deals' | 'tasks' | 'products' | 'settings';

export function canSee(role: Role | undefined, screen: Screen): boolean {
  switch (screen) {
    case 'dashboard':
    case 'customers':
      return can(role, 'customers:read');
    case 'customer-import':
      return can(role, 'customers:write');
    case 'product-import':
      return can(role, 'products:write');
    case 'transaction-import':
      return can(role, 'transactions:write');
    case 'deals':
      return can(role, 'deals:read') && can(role, 'pipelines:read');
    case 'tasks':
      return can(role, 'activities:write');
    case 'products':
      return can(role, 'products:read');
    case 'settings':
      return role === 'admin';
  }
}
