import type { ImportField } from '../../app/nexusApi.generated';
import { checkMapping, initialMapping, isActive, mappingRequest, percentDone, samples, serverMappingErrors } from './mapping';

const FIELDS: ImportField[] = [
  { name: 'name', required: true, description: 'Full name' },
  { name: 'email', required: false, description: 'E-mail address' },
  { name: 'company_name', required: false, description: 'Company' },
  { name: 'cf.region', required: false, description: 'Region' },
];
const COLUMNS = ['Full Name', 'E-mail', 'Company', 'Notes'];

describe('the mapping step', () => {
  it('starts from the suggestion, every column present, unknown fields ignored', () => {
    const m = initialMapping({ columns: COLUMNS, suggested_mapping: { 'Full Name': 'name', 'E-mail': 'email', Notes: 'cf.gone' } }, FIELDS);
    expect(m).toEqual({ 'Full Name': 'name', 'E-mail': 'email', Company: '', Notes: '' });
  });

  it('leaves ignored columns out of the request', () => {
    expect(mappingRequest({ 'Full Name': 'name', Company: '', Notes: '' })).toEqual({ 'Full Name': 'name' });
  });

  it('flags a field fed by two columns on the second column, and a required field fed by none', () => {
    const ok = checkMapping({ 'Full Name': 'name', 'E-mail': 'email', Company: '', Notes: '' }, COLUMNS, FIELDS);
    expect(ok).toEqual({ byColumn: {}, general: [] });
    const bad = checkMapping({ 'Full Name': 'email', 'E-mail': 'email', Company: '', Notes: '' }, COLUMNS, FIELDS);
    expect(bad.byColumn).toEqual({ 'E-mail': ['Column “Full Name” is mapped to email already.'] });
    expect(bad.general).toEqual(['Choose the column for the required field name.']);
  });

  it('needs only the key mapped when rows update existing records', () => {
    const phoneOnly = { 'Full Name': '', 'E-mail': '', Company: 'company_name', Notes: '' };
    expect(checkMapping(phoneOnly, COLUMNS, FIELDS, 'email').general).toEqual(['Choose the column for the required field email.']);
    expect(checkMapping({ ...phoneOnly, 'E-mail': 'email' }, COLUMNS, FIELDS, 'email')).toEqual({ byColumn: {}, general: [] });
    expect(checkMapping({ ...phoneOnly, 'E-mail': 'email' }, COLUMNS, FIELDS).general).toEqual(['Choose the column for the required field name.']);
  });

  it('sorts the server 422 by the column it names', () => {
    const errors = serverMappingErrors({
      status: 422,
      data: {
        type: 'about:blank',
        title: 'Unprocessable Content',
        status: 422,
        detail: 'invalid input',
        code: 'validation_failed',
        errors: [
          { field: 'mapping.E-mail', code: 'unknown_field', message: 'must be one of: name, email' },
          { field: 'mapping.E-mail', code: 'duplicate_field', message: 'mapped twice' },
          { field: 'mapping', code: 'missing_field', message: 'no column is mapped to the required field name' },
        ],
      },
    });
    expect(errors.byColumn).toEqual({ 'E-mail': ['must be one of: name, email', 'mapped twice'] });
    expect(errors.general).toEqual(['no column is mapped to the required field name']);
  });

  it('reports a problem without field errors, and a network failure, as general messages', () => {
    const conflict = { type: 'about:blank', title: 'Conflict', status: 409, detail: 'the job has started already', code: 'conflict' };
    expect(serverMappingErrors({ status: 409, data: conflict }).general).toEqual(['the job has started already']);
    expect(serverMappingErrors({ status: 'FETCH_ERROR', error: 'offline' }).general[0]).toMatch(/cannot be reached/);
    expect(serverMappingErrors(undefined)).toEqual({ byColumn: {}, general: [] });
  });

  it('previews the first non-empty values of a column', () => {
    const preview = [
      ['Ada', 'ada@example.com'],
      ['', 'b@example.com'],
      ['Cy', ''],
      ['Di', 'd@example.com'],
      ['Ed', 'e@example.com'],
    ];
    expect(samples(preview, 0)).toEqual(['Ada', 'Cy', 'Di']);
    expect(samples(preview, 1, 2)).toEqual(['ada@example.com', 'b@example.com']);
    expect(samples(preview, 5)).toEqual([]);
  });

  it('measures progress by bytes, full once completed, and polls only while the job runs', () => {
    expect(percentDone({ status: 'running', bytes_processed: 250, file_bytes: 1000 })).toBe(25);
    expect(percentDone({ status: 'queued', bytes_processed: 0, file_bytes: 0 })).toBe(0);
    expect(percentDone({ status: 'completed', bytes_processed: 990, file_bytes: 1000 })).toBe(100);
    expect(isActive('queued') && isActive('running')).toBe(true);
    expect(['uploaded', 'completed', 'failed', 'cancelled'].some((s) => isActive(s as 'queued'))).toBe(false);
  });
});
