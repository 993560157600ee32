// The column mapping of an import, as the mapping step edits it: every column of the file with
// the field it feeds ('' = ignored), the checks the server would make (so the user sees them
// before starting), and the server's own 422 answer sorted by the column it names.
import type { FetchBaseQueryError } from '@reduxjs/toolkit/query';
import type { SerializedError } from '@reduxjs/toolkit';
import type { ImportEntity, ImportField, ImportJob, Problem } from '../../app/nexusApi.generated';

/** Column → field name, '' for a column that is ignored. Every column of the file has a key. */
export type Mapping = Record<string, string>;

/** Problems of a mapping: by column (shown next to its select) and about the whole mapping. */
export type MappingErrors = { byColumn: Record<string, string[]>; general: string[] };

export const NO_MAPPING_ERRORS: MappingErrors = { byColumn: {}, general: [] };

/** The mapping the step starts from: the server's suggestion, limited to fields that exist. */
export function initialMapping(job: Pick<ImportJob, 'columns' | 'suggested_mapping'>, fields: ImportField[]): Mapping {
  const known = new Set(fields.map((f) => f.name));
  const out: Mapping = {};
  for (const col of job.columns) {
    const f = job.suggested_mapping[col];
    out[col] = f && known.has(f) ? f : '';
  }
  return out;
}

function push(into: Record<string, string[]>, key: string, message: string) {
  (into[key] ??= []).push(message);
}

/** The field that finds an existing record when rows update (`on_duplicate=update`). */
export const KEY_FIELD: Record<ImportEntity, string> = { customers: 'email', products: 'sku', transactions: 'order_ref' };

/**
 * What the server would refuse: a field fed by two columns, a required field fed by none. Rows
 * that update existing records (`updateKey`: the key field) need only the key mapped.
 */
export function checkMapping(mapping: Mapping, columns: string[], fields: ImportField[], updateKey?: string): MappingErrors {
  const byColumn: Record<string, string[]> = {};
  const general: string[] = [];
  const first = new Map<string, string>();
  for (const col of columns) {
    const field = mapping[col];
    if (!field) continue;
    const taken = first.get(field);
    if (taken === undefined) first.set(field, col);
    else push(byColumn, col, `Column “${taken}” is mapped to ${field} already.`);
  }
  for (const f of fields) {
    const required = updateKey === undefined ? f.required : f.name === updateKey;
    if (required && !first.has(f.name)) general.push(`Choose the column for the required field ${f.name}.`);
  }
  return { byColumn, general };
}

/** The body's mapping: the columns that feed a field (ignored ones are left out). */
export function mappingRequest(mapping: Mapping): Record<string, string> {
  return Object.fromEntries(Object.entries(mapping).filter(([, f]) => f !== ''));
}

function isProblem(v: unknown): v is Problem {
  return typeof v === 'object' && v !== null && 'title' in v && 'status' in v;
}

/** The server's answer to a start, sorted by column (`mapping.<column>`) and the rest. */
export function serverMappingErrors(error: FetchBaseQueryError | SerializedError | undefined): MappingErrors {
  if (!error) return NO_MAPPING_ERRORS;
  const data = 'status' in error ? error.data : undefined;
  if (!isProblem(data)) {
    const status = 'status' in error ? error.status : null;
    if (status === 'FETCH_ERROR') return { byColumn: {}, general: ['The server cannot be reached. Check your connection and try again.'] };
    return { byColumn: {}, general: [typeof status === 'number' ? `The server answered ${status}.` : 'Something went wrong.'] };
  }
  const byColumn: Record<string, string[]> = {};
  const general: string[] = [];
  for (const e of data.errors ?? []) {
    if (e.field.startsWith('mapping.')) push(byColumn, e.field.slice('mapping.'.length), e.message);
    else general.push(e.field === 'mapping' ? e.message : `${e.field}: ${e.message}`);
  }
  if (general.length === 0 && Object.keys(byColumn).length === 0) general.push(data.detail || data.title);
  return { byColumn, general };
}

/** Up to `n` non-empty values of a column from the preview rows. */
export function samples(preview: string[][], index: number, n = 3): string[] {
  const out: string[] = [];
  for (const row of preview) {
    const v = row[index]?.trim();
    if (v) out.push(v);
    if (out.length === n) break;
  }
  return out;
}

/** Share of the file read, 0–100 (100 once the job has completed). */
export function percentDone(job: Pick<ImportJob, 'status' | 'bytes_processed' | 'file_bytes'>): number {
  if (job.status === 'completed') return 100;
  if (job.file_bytes <= 0) return 0;
  return Math.min(100, Math.floor((job.bytes_processed / job.file_bytes) * 100));
}

/** Whether the job may still change by itself (the progress view polls while it does). */
export function isActive(status: ImportJob['status']): boolean {
  return status === 'queued' || status === 'running';
}
