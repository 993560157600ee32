// What each role may do, mirroring `Role::permissions` in crates/nexus-core/src/auth.rs. The
// server enforces it; the UI only uses it to hide screens and controls a role cannot use.
import type { Role, User } from '../../app/nexusApi.generated';

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

/** Who is asking, as GET /api/v1/auth/me answers it. */
type Writer = Pick<User, 'id' | 'role' | 'team_id'>;

/**
 * May `me` change this activity? Mirrors `Actor::can_write` for activities: admins always;
 * managers their own, their team's and those assigned to them; sales reps and support agents
 * their own and those assigned to them; viewers never.
 */
export function canWriteActivity(me: Writer | undefined, a: { owner_id: string; team_id?: string | null; assignee_id?: string | null }): boolean {
  if (!me || !can(me.role, 'activities:write')) return false;
  const mineOrAssigned = a.owner_id === me.id || a.assignee_id === me.id;
  switch (me.role) {
    case 'admin':
      return true;
    case 'manager':
      return mineOrAssigned || (!!me.team_id && a.team_id === me.team_id);
    default:
      return mineOrAssigned;
  }
}

/**
 * May `me` record and change the transactions of this customer? A transaction follows its
 * customer (`Actor::can_write_owned`): admins always; managers their own and their team's
 * customers; sales reps the customers they own; others never.
 */
export function canWriteTransactionsOf(me: Writer | undefined, customer: { owner_id: string; team_id?: string | null }): boolean {
  if (!me || !can(me.role, 'transactions:write')) return false;
  switch (me.role) {
    case 'admin':
      return true;
    case 'manager':
      return customer.owner_id === me.id || (!!me.team_id && customer.team_id === me.team_id);
    default:
      return customer.owner_id === me.id;
  }
}
