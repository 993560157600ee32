// The mapping step: each column of the file, its first values and the field it feeds. Required
// fields are marked; problems (found here or answered by the server) show next to their column.
import { useMemo, useState, type FormEvent } from 'react';
import type { ImportField, ImportJob } from '../../app/nexusApi.generated';
import { Button, inputClass, ScrollRegion } from '../../components/ui';
import { checkMapping, initialMapping, mappingRequest, samples, type Mapping, type MappingErrors } from './mapping';

type Props = {
  job: Pick<ImportJob, 'columns' | 'preview' | 'suggested_mapping' | 'file_name'>;
  fields: ImportField[];
  /** The server's answer to the last start, by column. */
  serverErrors: MappingErrors;
  starting: boolean;
  onStart: (mapping: Record<string, string>) => void;
  onCancel: () => void;
};

export function MappingStep({ job, fields, serverErrors, starting, onStart, onCancel }: Props) {
  const [mapping, setMapping] = useState<Mapping>(() => initialMapping(job, fields));
  // The server's errors concern the mapping it was sent: once the user changes it, only the
  // local checks still hold.
  const [edited, setEdited] = useState(false);
  const local = useMemo(() => checkMapping(mapping, job.columns, fields), [mapping, job.columns, fields]);
  const [tried, setTried] = useState(false);
  const shownServer = edited ? { byColumn: {}, general: [] } : serverErrors;
  const general = [...(tried ? local.general : []), ...shownServer.general];
  const required = fields.filter((f) => f.required).map((f) => f.name);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    setEdited(false);
    if (local.general.length === 0 && Object.keys(local.byColumn).length === 0) onStart(mappingRequest(mapping));
  };

  return (
    <form aria-label="Map columns" onSubmit={submit} noValidate className="space-y-4">
      <p className="text-sm text-slate-700">
        Choose the field each column of <strong>{job.file_name}</strong> goes to; columns set to “— ignore —” are not imported. Required:{' '}
        {required.map((r, i) => (
          <span key={r}>
            {i > 0 && ', '}
            <strong>{r}</strong>
          </span>
        ))}
        {required.length === 0 && 'none'}. Rows whose e-mail already belongs to a customer are skipped as duplicates.
      </p>
      {general.length > 0 && (
        <div role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
          <ul className="list-inside list-disc">
            {general.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </div>
      )}
      <ScrollRegion label="Column mapping">
        <table className="min-w-full text-left text-sm">
          <caption className="sr-only">Columns of the file and the fields they go to</caption>
          <thead className="bg-slate-50 text-slate-700">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">
                Column
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                First values
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Field
              </th>
            </tr>
          </thead>
          <tbody>
            {job.columns.map((col, i) => {
              const errors = [...(local.byColumn[col] ?? []), ...(shownServer.byColumn[col] ?? [])];
              const errorId = `map-error-${i}`;
              return (
                <tr key={col} className="border-t border-slate-100 align-top">
                  <th scope="row" className="whitespace-nowrap px-3 py-2 font-medium text-slate-900">
                    {col}
                  </th>
                  <td className="max-w-xs px-3 py-2 text-slate-700">
                    {samples(job.preview, i).map((v, j) => (
                      <span key={j} className="block truncate" title={v}>
                        {v}
                      </span>
                    ))}
                    {samples(job.preview, i).length === 0 && <span className="text-slate-500">(empty)</span>}
                  </td>
                  <td className="min-w-[12rem] px-3 py-2">
                    <select
                      aria-label={`Field for column ${col}`}
                      className={inputClass}
                      value={mapping[col] ?? ''}
                      aria-invalid={errors.length > 0 ? true : undefined}
                      aria-describedby={errors.length > 0 ? errorId : undefined}
                      onChange={(e) => {
                        setEdited(true);
                        setMapping({ ...mapping, [col]: e.target.value });
                      }}
                    >
                      <option value="">— ignore —</option>
                      {fields.map((f) => (
                        <option key={f.name} value={f.name} title={f.description}>
                          {f.required ? `${f.name} (required)` : f.name}
                        </option>
                      ))}
                    </select>
                    {errors.length > 0 && (
                      <p id={errorId} className="mt-1 text-sm text-red-700">
                        {errors.join(' ')}
                      </p>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollRegion>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={starting}>
          {starting ? 'Starting…' : 'Start import'}
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          Choose another file
        </Button>
      </div>
    </form>
  );
}
