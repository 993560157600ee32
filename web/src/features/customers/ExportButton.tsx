// "Export CSV": downloads the customers the list shows (its filters and sort, every page). The
// export needs the bearer token, so it is fetched and handed to the browser as an object URL.
import { useDownloadCustomersCsvMutation, type ExportFilters } from '../../app/files';
import { Button } from '../../components/ui';
import { errorMessage } from '../../lib/problem';

/** The download's file name: customers-YYYY-MM-DD.csv (the local date). */
export function exportFileName(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `customers-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.csv`;
}

export function ExportButton({ filters }: { filters: ExportFilters }) {
  const [download, { isLoading, error, reset }] = useDownloadCustomersCsvMutation();
  const run = async () => {
    const res = await download(filters);
    if (!('data' in res) || !res.data) return;
    const a = document.createElement('a');
    a.href = res.data;
    a.download = exportFileName();
    document.body.appendChild(a);
    a.click();
    a.remove();
    // The browser has taken the file once the click is handled; free the memory after.
    const url = res.data;
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    reset();
  };
  return (
    <>
      <Button variant="secondary" disabled={isLoading} onClick={() => void run()}>
        {isLoading ? 'Exporting…' : 'Export CSV'}
      </Button>
      {error && (
        <span role="alert" className="text-sm text-red-700">
          Export failed: {errorMessage(error)}
        </span>
      )}
    </>
  );
}
