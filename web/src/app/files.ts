// Endpoints the generated client cannot express: a file sent as the raw request body (a CSV
// import, which may be far larger than anything worth reading into a string) and a streamed CSV
// download. Both go through the shared base query, so they carry the token and refresh it.
import { api, type ExportCustomersApiArg, type ImportEntity, type ImportJob } from './api';
import { listParams, type CustomFilters } from './lists';

/** The customer list's filters (custom-field ones too) and sort, as the export takes them (never a page or a cursor). */
export type ExportFilters = Omit<ExportCustomersApiArg, 'limit' | 'cursor'> & CustomFilters;

/** The export's query parameters: the generated argument names are camelCase (`ownerId`), `cf.<key>` ones kept. */
export function exportParams(filters: ExportFilters): Record<string, string> {
  return listParams(filters);
}

async function problemOr(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

export const filesApi = api.injectEndpoints({
  endpoints: (build) => ({
    /** Uploads a CSV file as an import job of `entity` (201: the job, with columns and preview). */
    uploadImportFile: build.mutation<ImportJob, { entity: ImportEntity; file: Blob; fileName: string }>({
      query: ({ entity, file, fileName }) => ({
        url: '/api/v1/imports',
        method: 'POST',
        params: { entity, file_name: fileName },
        headers: { 'content-type': 'text/csv' },
        body: file,
      }),
      invalidatesTags: ['imports'],
    }),
    /**
     * Downloads the customer export. The answer is an object URL of the CSV (a string keeps the
     * store serialisable); the caller revokes it once the browser has taken the file.
     */
    downloadCustomersCsv: build.mutation<string, ExportFilters>({
      query: (filters) => ({
        url: '/api/v1/customers/export',
        params: exportParams(filters),
        responseHandler: async (res: Response) => (res.ok ? URL.createObjectURL(await res.blob()) : problemOr(res)),
      }),
    }),
  }),
});

export const { useUploadImportFileMutation, useDownloadCustomersCsvMutation } = filesApi;
