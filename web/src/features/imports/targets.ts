// What differs between the imports of customers, products and transactions: where each one lives
// in the UI, what it is called, who may start it and which lists it makes stale. Everything else
// (fields, required ones, the key that de-duplicates) comes from the API.
import type { api } from '../../app/api';
import type { ImportEntity, Role } from '../../app/nexusApi.generated';
import { canSee, type Screen } from '../auth/permissions';

type Tag = Parameters<typeof api.util.invalidateTags>[0][number];

export type ImportTarget = {
  /** Plural noun, as in "Import products". */
  noun: string;
  /** The upload page; a job is at `${base}/:id`. */
  base: string;
  /** Where the records are listed, and the link's text. */
  back: string;
  backLabel: string;
  /** The screen (and so the permission) the import needs. */
  screen: Screen;
  /** Cached lists an ended job makes stale (in case its events were missed). */
  stale: Tag[];
  /** Whether rows whose key exists may update the record (`on_duplicate=update`). */
  updates: boolean;
};

export const IMPORT_TARGETS: Record<ImportEntity, ImportTarget> = {
  customers: {
    noun: 'customers',
    base: '/customers/import',
    back: '/customers',
    backLabel: 'Back to customers',
    screen: 'customer-import',
    stale: ['customers', 'dashboards'],
    updates: true,
  },
  products: {
    noun: 'products',
    base: '/products/import',
    back: '/products',
    backLabel: 'Back to products',
    screen: 'product-import',
    stale: ['products'],
    updates: true,
  },
  transactions: {
    noun: 'transactions',
    base: '/transactions/import',
    back: '/customers',
    backLabel: 'Back to customers',
    screen: 'transaction-import',
    stale: ['transactions', 'customers', 'dashboards'],
    updates: false,
  },
};

/** Whether `role` may import records of `entity` (the server checks it too). */
export function canImport(role: Role | undefined, entity: ImportEntity): boolean {
  return canSee(role, IMPORT_TARGETS[entity].screen);
}
