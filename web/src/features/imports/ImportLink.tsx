// The way into an import, for the roles that may import that kind of record; nothing otherwise.
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { ImportEntity } from '../../app/nexusApi.generated';
import { useMe } from '../shell/AppShell';
import { canImport, IMPORT_TARGETS } from './targets';

export function ImportLink({ entity, children }: { entity: ImportEntity; children: ReactNode }) {
  const me = useMe();
  if (!canImport(me?.role, entity)) return null;
  return (
    <Link
      to={IMPORT_TARGETS[entity].base}
      className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-800 hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
    >
      {children}
    </Link>
  );
}
