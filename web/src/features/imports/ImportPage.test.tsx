import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { File as NodeFile } from 'node:buffer';
import { exportParams } from '../../app/files';
import { json, problem, renderWithStore } from '../../test/utils';
import ImportPage from './ImportPage';

afterEach(() => vi.unstubAllGlobals());

it('uploads the file as text/csv and shows a refusal clearly', async () => {
  const sent: Request[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (req: Request) => {
      sent.push(req);
      if (req.method === 'POST') {
        return problem(422, 'validation_failed', [{ field: 'file', code: 'empty', message: 'the file has no header row' }]);
      }
      return json(200, { data: [] });
    }),
  );
  renderWithStore(<ImportPage />);
  await userEvent.upload(
    screen.getByLabelText('CSV file'),
    // Node's File: the fetch of the test runtime (undici) cannot read jsdom's.
    new NodeFile([''], 'empty.csv', { type: 'text/csv' }) as unknown as File,
  );
  await userEvent.click(screen.getByRole('button', { name: 'Upload' }));
  expect(await screen.findByText('the file has no header row')).toBeInTheDocument();
  expect(screen.getByLabelText('CSV file')).toHaveAccessibleDescription('the file has no header row');
  const post = sent.find((r) => r.method === 'POST');
  expect(post?.headers.get('content-type')).toBe('text/csv');
  expect(new URL(post?.url ?? '').search).toBe('?entity=customers&file_name=empty.csv');
  expect(await screen.findByText('No imports of customers yet.')).toBeInTheDocument();
});

it('passes the list filters to the export with the API’s parameter names', () => {
  expect(exportParams({ sort: 'name', q: 'ada', status: '', ownerId: 'u1', createdAfter: '2026-01-01' })).toEqual({
    sort: 'name',
    q: 'ada',
    owner_id: 'u1',
    created_after: '2026-01-01',
  });
});

it('lists recent imports with the rows imported, updated and refused', async () => {
  const job = {
    id: 'job-1',
    entity: 'customers',
    status: 'completed',
    file_name: 'people.csv',
    file_bytes: 10,
    bytes_processed: 10,
    columns: [],
    preview: [],
    suggested_mapping: {},
    on_duplicate: 'update',
    rows_processed: 10,
    rows_accepted: 3,
    rows_updated: 5,
    rows_rejected: 1,
    rows_duplicate: 1,
    created_by: 'user-1',
    version: 4,
    created_at: '2026-11-27T12:00:00Z',
    updated_at: '2026-11-27T12:00:01Z',
  };
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => json(200, { data: [job] })),
  );
  renderWithStore(<ImportPage />);
  const row = await screen.findByRole('row', { name: /people\.csv/ });
  const cells = Array.from(row.querySelectorAll('td')).map((c) => c.textContent);
  const headers = screen.getAllByRole('columnheader').map((h) => h.textContent);
  expect(headers.slice(2, 5)).toEqual(['Imported', 'Updated', 'Rejected']);
  expect(cells.slice(2, 5)).toEqual(['3', '5', '2']);
});
