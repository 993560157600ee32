// <base>/:id (customers, products or transactions, see targets.ts): one import job through its life. Uploaded: the mapping step. Queued or
// running: live progress (events invalidate the job's cache, see app/live.ts; polling every
// second covers a missed event) with Cancel. Ended: the summary and the rejected rows.
import { useEffect, useRef } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import {
  api,
  useCancelImportMutation,
  useListImportFieldsQuery,
  useReadImportQuery,
  useStartImportMutation,
  type ImportJob,
} from '../../app/api';
import { useAppDispatch } from '../../app/hooks';
import { Badge, Button, Card, ErrorState, FormError, Loading, PageHeader } from '../../components/ui';
import { dateTime } from '../../lib/format';
import { errorMessage } from '../../lib/problem';
import { MappingStep } from './MappingStep';
import { isActive, serverMappingErrors } from './mapping';
import { Counts, ProgressBar } from './Progress';
import { Rejections } from './Rejections';
import { IMPORT_TARGETS } from './targets';

const POLL_MS = 1000;

/** Puts a job the server answered with into the cache, so the page moves on at once. */
function useShowJob() {
  const dispatch = useAppDispatch();
  return (job: ImportJob) => void dispatch(api.util.upsertQueryData('readImport', { id: job.id }, job));
}

function Mapping({ job }: { job: ImportJob }) {
  const navigate = useNavigate();
  const show = useShowJob();
  const fields = useListImportFieldsQuery({ entity: job.entity });
  const [start, started] = useStartImportMutation();
  const [cancel] = useCancelImportMutation();
  if (fields.isLoading) return <Loading label="Loading fields…" />;
  if (fields.error || !fields.data) return <ErrorState message={errorMessage(fields.error)} onRetry={fields.refetch} />;
  return (
    <MappingStep
      job={job}
      fields={fields.data.data}
      serverErrors={serverMappingErrors(started.error)}
      starting={started.isLoading}
      onStart={(mapping, onDuplicate) => {
        // A refusal is shown from the mutation's state.
        start({ id: job.id, importStart: { mapping, on_duplicate: onDuplicate } }).unwrap().then(show, () => undefined);
      }}
      onCancel={() => {
        // The uploaded file is of no further use: drop the job (best effort) and start over.
        void cancel({ id: job.id });
        navigate(IMPORT_TARGETS[job.entity].base);
      }}
    />
  );
}

function Running({ job }: { job: ImportJob }) {
  const show = useShowJob();
  const [cancel, cancelled] = useCancelImportMutation();
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-700" aria-live="polite">
        {job.status === 'queued' ? 'Waiting for the import worker…' : 'Importing…'} You can leave this page; the import carries on.
      </p>
      <ProgressBar job={job} />
      <Counts job={job} />
      <FormError message={cancelled.error ? errorMessage(cancelled.error) : null} />
      <Button variant="danger" disabled={cancelled.isLoading} onClick={() => cancel({ id: job.id }).unwrap().then(show, () => undefined)}>
        {cancelled.isLoading ? 'Cancelling…' : 'Cancel import'}
      </Button>
    </div>
  );
}

const OUTCOME: Record<string, string> = {
  completed: 'Import finished.',
  failed: 'The import failed.',
  cancelled: 'The import was cancelled. Rows committed before stay imported.',
};

function Done({ job }: { job: ImportJob }) {
  const target = IMPORT_TARGETS[job.entity];
  const refused = job.rows_rejected + job.rows_duplicate;
  return (
    <div className="space-y-4">
      <p role="status" className="text-sm text-slate-800">
        {OUTCOME[job.status]} {job.rows_accepted} of {job.rows_processed} rows imported
        {job.rows_updated > 0 ? `, ${job.rows_updated} updated existing records` : ''}
        {refused > 0 ? `; ${job.rows_rejected} rejected, ${job.rows_duplicate} skipped as duplicates.` : '.'}
      </p>
      {job.error && <FormError message={job.error} />}
      <ProgressBar job={job} />
      <Counts job={job} />
      <div className="flex flex-wrap gap-2">
        <Link to={target.back} className="rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-700">
          {target.backLabel}
        </Link>
        <Link to={target.base} className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-800 hover:bg-slate-100">
          Import another file
        </Link>
      </div>
      {refused > 0 && (
        <section aria-labelledby="rejected-heading" className="space-y-2">
          <h2 id="rejected-heading" className="text-lg font-semibold text-slate-900">
            Rows not imported
          </h2>
          <Rejections id={job.id} />
        </section>
      )}
    </div>
  );
}

export default function ImportJobPage() {
  const { id = '' } = useParams();
  const dispatch = useAppDispatch();
  // Polling only while the job may change by itself; events usually get there first.
  const cached = api.endpoints.readImport.useQueryState({ id });
  const active = cached.data ? isActive(cached.data.status) : false;
  const q = useReadImportQuery({ id }, { pollingInterval: active ? POLL_MS : 0, skipPollingIfUnfocused: false });
  const job = q.data;

  // When a job ends under our eyes, the lists it fed (and the dashboard) are out of date even if
  // the events were missed.
  const wasActive = useRef(false);
  useEffect(() => {
    if (!job) return;
    if (isActive(job.status)) wasActive.current = true;
    else if (wasActive.current) {
      wasActive.current = false;
      dispatch(api.util.invalidateTags(IMPORT_TARGETS[job.entity].stale));
    }
  }, [job, dispatch]);

  if (q.isLoading) return <Loading label="Loading the import…" />;
  if (q.error || !job) return <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />;
  // The job says what it imports, whichever of the import routes opened it.
  const target = IMPORT_TARGETS[job.entity];
  return (
    <div className="space-y-4">
      <PageHeader title={`Import ${target.noun}`}>
        <Link to={target.back} className="rounded-md px-3 py-2 text-sm font-medium text-indigo-700 hover:bg-indigo-50">
          {target.backLabel}
        </Link>
      </PageHeader>
      <Card
        title={job.file_name}
        actions={
          <span className="flex items-center gap-2 text-sm text-slate-600">
            <Badge value={job.status} /> uploaded {dateTime(job.created_at)}
          </span>
        }
      >
        {job.status === 'uploaded' && <Mapping job={job} />}
        {isActive(job.status) && <Running job={job} />}
        {!isActive(job.status) && job.status !== 'uploaded' && <Done job={job} />}
      </Card>
    </div>
  );
}
