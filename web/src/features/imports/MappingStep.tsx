// The mapping step: each column of the file, its first values and the field it feeds. Required
// fields are marked; problems (found here or answered by the server) show next to their column.
import { useMemo, useState, type FormEvent } from 'react';
import type { ImportField, ImportJob, OnDuplicate } from '../../app/nexusApi.generated';
import { Button, inputClass, ScrollRegion } from '../../components/ui';
import { IMPORT_TARGETS } from './targets';
import { checkMapping, initialMapping, KEY_FIELD, mappingRequest, samples, type Mapping, type MappingErrors } from './mapping';

type Props = {
  job: Pick<ImportJob, 'columns' | 'preview' | 'suggested_mapping' | 'file_name' | 'entity'>;
  fields: ImportField[];
  /** The server's answer to the last start, by column. */
  serverErrors: MappingErrors;
  starting: boolean;
  onStart: (mapping: Record<string, string>, onDuplicate: OnDuplicate) => void;
  onCancel: () => void;
};

export function MappingStep({ job, fields, serverErrors, starting, onStart, onCancel }: Props) {
  const [mapping, setMapping] = useState<Mapping>(() => initialMapping(job, fields));
  // The server's errors concern the mapping it was sent: once the user changes it, only the
  // local checks still hold.
  const [edited, setEdited] = useState(false);
  const [onDuplicate, setOnDuplicate] = useState<OnDuplicate>('skip');
  const updateKey = onDuplicate === 'update' ? KEY_FIELD[job.entity] : undefined;
  const local = useMemo(() => checkMapping(mapping, job.columns, fields, updateKey), [mapping, job.columns, fields, updateKey]);
  const [tried, setTried] = useState(false);
  const key = job.entity === 'products' ? 'SKU' : 'e-mail';
  const record = job.entity === 'products' ? 'product' : 'customer';
  const shownServer = edited ? { byColumn: {}, general: [] } : serverErrors;
  const general = [...(tried ? local.general : []), ...shownServer.general];
  // Rows that update need only the key; rows that create are checked one by one.
  const required = updateKey === undefined ? fields.filter((f) => f.required).map((f) => f.name) : [updateKey];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    setEdited(false);
    if (local.general.length === 0 && Object.keys(local.byColumn).length === 0) onStart(mappingRequest(mapping), onDuplicate);
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
        {required.length === 0 && 'none'}.
      </p>
      {IMPORT_TARGETS[job.entity].updates && (
        <div className="max-w-xl">
          <label htmlFor="on-duplicate" className="block text-sm font-medium text-slate-800">
            When the {key} already exists
          </label>
          <select
            id="on-duplicate"
            className={inputClass}
            value={onDuplicate}
            aria-describedby="on-duplicate-help"
            onChange={(e) => setOnDuplicate(e.target.value as OnDuplicate)}
          >
            <option value="skip">Skip the row</option>
            <option value="update">Update the {record}</option>
          </select>
          <p id="on-duplicate-help" className="mt-1 text-xs text-slate-600">
            {onDuplicate === 'update'
              ? `The row’s non-empty cells replace the ${record}’s values; empty cells leave them as they are. Only ${record}s you may edit are updated; other rows are listed as not imported.`
              : `The row is not imported and is counted as a duplicate.`}
          </p>
        </div>
      )}
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
                          {required.includes(f.name) ? `${f.name} (required)` : f.name}
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
