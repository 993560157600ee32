// RFC 9457 problem documents from the API, turned into what a form shows: a message for the
// form and one per field (`errors[].field` is the JSON path of the input, e.g. `email`).
import type { FetchBaseQueryError } from '@reduxjs/toolkit/query';
import type { SerializedError } from '@reduxjs/toolkit';
import type { Problem } from '../app/nexusApi.generated';

export type FormErrors = { message: string | null; fields: Record<string, string>; status: number | null };

export const NO_ERRORS: FormErrors = { message: null, fields: {}, status: null };

function isProblem(v: unknown): v is Problem {
  return typeof v === 'object' && v !== null && 'title' in v && 'status' in v;
}

export function formErrors(error: FetchBaseQueryError | SerializedError | undefined | null): FormErrors {
  if (!error) return NO_ERRORS;
  if ('status' in error) {
    if (typeof error.status === 'number') {
      const data = error.data;
      if (isProblem(data)) {
        const fields: Record<string, string> = {};
        for (const e of data.errors ?? []) {
          if (!(e.field in fields)) fields[e.field] = e.message;
        }
        const message = Object.keys(fields).length > 0 ? 'Please correct the fields marked below.' : data.detail || data.title;
        return { message, fields, status: error.status };
      }
      return { message: `The server answered ${error.status}.`, fields: {}, status: error.status };
    }
    if (error.status === 'FETCH_ERROR') {
      return { message: 'The server cannot be reached. Check your connection and try again.', fields: {}, status: null };
    }
    return { message: 'Unexpected response from the server.', fields: {}, status: null };
  }
  return { message: error.message ?? 'Something went wrong.', fields: {}, status: null };
}

export function errorMessage(error: FetchBaseQueryError | SerializedError | undefined | null): string {
  return formErrors(error).message ?? 'Something went wrong.';
}
