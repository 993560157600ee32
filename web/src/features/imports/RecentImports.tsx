// The latest import jobs the user may see (admins: everyone's), newest first.
import { Link } from 'react-router-dom';
import { useListImportsQuery } from '../../app/api';
import { Badge, Empty, ErrorState, Loading, ScrollRegion } from '../../components/ui';
import { dateTime } from '../../lib/format';
import { errorMessage } from '../../lib/problem';

export function RecentImports() {
  const q = useListImportsQuery({ limit: 10 });
  if (q.isLoading) return <Loading label="Loading imports…" />;
  if (q.error) return <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />;
  if (!q.data || q.data.data.length === 0) return <Empty>No imports yet.</Empty>;
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
          {q.data.data.map((j) => (
            <tr key={j.id} className="border-t border-slate-100">
              <td className="whitespace-nowrap px-3 py-2">
                <Link to={`/customers/import/${j.id}`} className="font-medium text-indigo-700 hover:underline">
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
