// How far an import job is: a bar by bytes read of the file, and the row counts.
import type { ImportJob } from '../../app/nexusApi.generated';
import { percentDone } from './mapping';

const nf = new Intl.NumberFormat();

export function ProgressBar({ job }: { job: Pick<ImportJob, 'status' | 'bytes_processed' | 'file_bytes'> }) {
  const pct = percentDone(job);
  return (
    <div>
      <div
        role="progressbar"
        aria-label="Import progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={`${pct}% of the file read`}
        className="h-3 w-full overflow-hidden rounded-full bg-slate-200"
      >
        <div className={`h-full rounded-full transition-[width] ${job.status === 'failed' ? 'bg-red-600' : job.status === 'cancelled' ? 'bg-slate-500' : 'bg-indigo-600'}`} style={{ width: `${pct}%` }} />
      </div>
      <p className="mt-1 text-xs text-slate-600">{pct}% of the file read</p>
    </div>
  );
}

export function Counts({ job }: { job: Pick<ImportJob, 'rows_processed' | 'rows_accepted' | 'rows_updated' | 'rows_rejected' | 'rows_duplicate'> }) {
  const items: [string, number][] = [
    ['Processed', job.rows_processed],
    ['Imported', job.rows_accepted],
    ['Updated', job.rows_updated],
    ['Rejected', job.rows_rejected],
    ['Duplicates', job.rows_duplicate],
  ];
  return (
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-5">
      {items.map(([label, n]) => (
        <div key={label} className="rounded-md border border-slate-200 bg-slate-50 p-3">
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-600">{label}</dt>
          <dd className="text-xl font-semibold text-slate-900" data-count={label}>
            {nf.format(n)}
          </dd>
        </div>
      ))}
    </dl>
  );
}
