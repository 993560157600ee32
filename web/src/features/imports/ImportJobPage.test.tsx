import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router-dom';
import type { ImportJob } from '../../app/nexusApi.generated';
import { json, renderRoutes } from '../../test/utils';
import ImportJobPage from './ImportJobPage';

afterEach(() => vi.unstubAllGlobals());

const BASE: ImportJob = {
  id: 'job-1',
  entity: 'customers',
  status: 'running',
  file_name: 'people.csv',
  file_bytes: 1000,
  bytes_processed: 500,
  columns: ['Full Name', 'E-mail'],
  preview: [],
  suggested_mapping: {},
  mapping: { 'Full Name': 'name', 'E-mail': 'email' },
  on_duplicate: 'skip',
  rows_processed: 40,
  rows_accepted: 38,
  rows_updated: 0,
  rows_rejected: 1,
  rows_duplicate: 1,
  created_by: 'user-1',
  version: 3,
  created_at: '2026-11-27T12:00:00Z',
  updated_at: '2026-11-27T12:00:01Z',
};

/** A server whose job moves on by itself after `after` reads (or when cancelled). */
function server(next: Partial<ImportJob>, after: number) {
  let job = BASE;
  let reads = 0;
  const calls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (req: Request) => {
      const path = new URL(req.url).pathname;
      calls.push(`${req.method} ${path}`);
      if (path === '/api/v1/imports/job-1/cancel') {
        job = { ...job, status: 'cancelled' };
        return json(200, job);
      }
      if (path === '/api/v1/imports/job-1/rejections') {
        return json(200, {
          data: [
            { row: 3, duplicate: false, values: { 'Full Name': '', 'E-mail': 'x@example.com' }, errors: [{ field: 'name', column: 'Full Name', code: 'required', message: 'is required' }] },
            { row: 9, duplicate: true, values: { 'Full Name': 'Ada', 'E-mail': 'ada@example.com' }, errors: [{ field: 'email', column: 'E-mail', code: 'taken', message: 'is taken' }] },
          ],
        });
      }
      if (path === '/api/v1/imports/job-1') {
        reads += 1;
        if (reads > after && job.status === 'running') job = { ...job, ...next };
        return json(200, job);
      }
      return json(404, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no such thing', code: 'not_found' });
    }),
  );
  return calls;
}

function renderJob() {
  renderRoutes('/customers/import/job-1', <Route path="/customers/import/:id" element={<ImportJobPage />} />);
}

it('follows a running job by polling until it ends, then lists the rows not imported', async () => {
  server({ status: 'completed', bytes_processed: 1000, rows_processed: 80, rows_accepted: 78 }, 1);
  renderJob();
  const bar = await screen.findByRole('progressbar', { name: 'Import progress' });
  expect(bar).toHaveAttribute('aria-valuenow', '50');
  expect(screen.getByRole('button', { name: 'Cancel import' })).toBeInTheDocument();
  expect(await screen.findByText('Import finished.', { exact: false }, { timeout: 4000 })).toHaveTextContent(
    'Import finished. 78 of 80 rows imported; 1 rejected, 1 skipped as duplicates.',
  );
  expect(screen.getByRole('progressbar', { name: 'Import progress' })).toHaveAttribute('aria-valuenow', '100');
  const rows = await screen.findAllByRole('row', { name: /^(3|9) / });
  expect(rows.map((r) => r.textContent)).toEqual(['3Full Name(empty)name: is requiredrejected', '9E-mailada@example.comemail: is takenduplicate']);
  expect(screen.queryByRole('button', { name: 'Cancel import' })).not.toBeInTheDocument();
});

it('cancels a running job', async () => {
  const calls = server({}, Infinity);
  renderJob();
  await userEvent.click(await screen.findByRole('button', { name: 'Cancel import' }));
  expect(await screen.findByText(/The import was cancelled\./)).toBeInTheDocument();
  expect(calls).toContain('POST /api/v1/imports/job-1/cancel');
});

it('shows how many rows updated existing records', async () => {
  server({ status: 'completed', bytes_processed: 1000, rows_processed: 80, rows_accepted: 30, rows_updated: 48, on_duplicate: 'update' }, 0);
  renderJob();
  expect(await screen.findByText('Import finished.', { exact: false }, { timeout: 4000 })).toHaveTextContent(
    'Import finished. 30 of 80 rows imported, 48 updated existing records; 1 rejected, 1 skipped as duplicates.',
  );
  expect(screen.getByText('Updated').nextElementSibling).toHaveTextContent('48');
});
