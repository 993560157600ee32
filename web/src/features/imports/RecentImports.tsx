// The latest import jobs of one kind of record the user may see (admins: everyone's), newest
// first.
import { Link } from 'react-router-dom';
import { useListImportsQuery, type ImportEntity } from '../../app/api';
import { Badge, Empty, ErrorState, Loading, ScrollRegion } from '../../components/ui';
import { dateTime } from '../../lib/format';
import { errorMessage } from '../../lib/problem';
import { IMPORT_TARGETS } from './targets';

const SHOWN = 10;

export function RecentImports({ entity }: { entity: ImportEntity }) {
  // The list has no entity filter: read a few pages' worth and keep this entity's.
  const q = useListImportsQuery({ limit: 100 });
  const jobs = (q.data?.data ?? []).filter((j) => j.entity === entity).slice(0, SHOWN);
  if (q.isLoading) return <Loading label="Loading imports…" />;
  if (q.error) return <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />;
  if (jobs.length === 0) return <Empty>No imports of {IMPORT_TARGETS[entity].noun} yet.</Empty>;
  return (
    <ScrollRegion label="Recent imports">
      <table className="min-w-full text-left text-sm">
        <thead className="bg-slate-50 text-slate-700">
          <tr>
            <th scope="col" className="px-3 py-2 font-medium">
              File
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Status
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Imported
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Updated
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Rejected
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Uploaded
            </th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.id} className="border-t border-slate-100">
              <td className="whitespace-nowrap px-3 py-2">
                <Link to={`${IMPORT_TARGETS[entity].base}/${j.id}`} className="font-medium text-indigo-700 hover:underline">
                  {j.file_name}
                </Link>
              </td>
              <td className="px-3 py-2">
                <Badge value={j.status} />
              </td>
              <td className="px-3 py-2 tabular-nums">{j.rows_accepted}</td>
              <td className="px-3 py-2 tabular-nums">{j.rows_updated}</td>
              <td className="px-3 py-2 tabular-nums">{j.rows_rejected + j.rows_duplicate}</td>
              <td className="whitespace-nowrap px-3 py-2">{dateTime(j.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
