// /customers/import, /products/import, /transactions/import: choose a CSV file and upload it (the
// answer is a job waiting for its mapping, opened at <base>/:id); below, the user's recent imports
// of that kind of record.
import { useId, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useUploadImportFileMutation } from '../../app/files';
import type { ImportEntity } from '../../app/nexusApi.generated';
import { Button, Card, FieldError, FormError, PageHeader } from '../../components/ui';
import { formErrors } from '../../lib/problem';
import { RecentImports } from './RecentImports';
import { IMPORT_TARGETS } from './targets';

export default function ImportPage({ entity = 'customers' }: { entity?: ImportEntity }) {
  const target = IMPORT_TARGETS[entity];
  const navigate = useNavigate();
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [upload, { isLoading, error, reset }] = useUploadImportFileMutation();
  const errors = formErrors(error);
  const fileError = errors.fields.file;
  const message = fileError ? 'The file cannot be imported.' : errors.message;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    const res = await upload({ entity, file, fileName: file.name });
    if ('data' in res && res.data) navigate(`${target.base}/${res.data.id}`);
  };

  return (
    <div className="space-y-4">
      <PageHeader title={`Import ${target.noun}`}>
        <Link to={target.back} className="rounded-md px-3 py-2 text-sm font-medium text-indigo-700 hover:bg-indigo-50">
          {target.backLabel}
        </Link>
      </PageHeader>
      <Card title="Choose a file">
        <form onSubmit={(e) => void submit(e)} className="space-y-3" noValidate>
          <p className="text-sm text-slate-700">
            UTF-8, comma-separated, with a first row naming the columns. You choose which column goes to which field in the next step.
          </p>
          <FormError message={message} />
          <div>
            <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-700">
              CSV file
            </label>
            <input
              id={id}
              type="file"
              accept=".csv,text/csv"
              aria-invalid={fileError ? true : undefined}
              aria-describedby={fileError ? `${id}-error` : undefined}
              className="block w-full text-sm file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-2 file:text-sm file:font-medium hover:file:bg-slate-100"
              onChange={(e) => {
                reset();
                setFile(e.target.files?.[0] ?? null);
              }}
            />
            <FieldError id={`${id}-error`} message={fileError} />
          </div>
          <Button type="submit" disabled={!file || isLoading}>
            {isLoading ? 'Uploading…' : 'Upload'}
          </Button>
        </form>
      </Card>
      <Card title="Recent imports">
        <RecentImports entity={entity} />
      </Card>
    </div>
  );
}
