// Saving a record read with an ETag: the PATCH carries `If-Match` with the version the edit
// started from, so a concurrent change answers 412 instead of being overwritten; the page then
// shows the latest version and asks to apply the change again. Errors are kept per field.
import { useRef, useState } from 'react';
import type { FetchBaseQueryError } from '@reduxjs/toolkit/query';
import type { SerializedError } from '@reduxjs/toolkit';
import { useAppSelector } from '../app/hooks';
import { formErrors, NO_ERRORS, type FormErrors } from './problem';

type Sent = { error: FetchBaseQueryError | SerializedError } | { data: unknown };

/** The `If-Match` argument of a generated PATCH: absent when no version is known. */
export type IfMatch = { 'If-Match'?: string };

/**
 * `url` is the record's API path (its ETag is kept under it); `send` makes the PATCH with the
 * given `If-Match` (spread into the generated mutation's argument); `what` names the record in the 412 message ("this deal").
 */
export function useVersionedSave<P>(url: string, send: (patch: P, ifMatch: IfMatch) => Promise<Sent>, refetch: () => void, what: string) {
  const etag = useAppSelector((s) => s.etags[url]);
  const [errs, setErrs] = useState<FormErrors>(NO_ERRORS);
  const [notice, setNotice] = useState<string | null>(null);
  // The version an edit started from: live updates refresh the page (and its ETag) while the
  // user types, and a save must still fail with 412 when someone changed the record meanwhile.
  const base = useRef<string | undefined>(undefined);
  const onEdit = () => {
    base.current = etag;
  };

  async function save(patch: P): Promise<boolean> {
    setNotice(null);
    const version = base.current ?? etag;
    const res = await send(patch, version ? { 'If-Match': version } : {});
    if ('error' in res) {
      const e = formErrors(res.error);
      if (e.status === 412) {
        base.current = undefined;
        refetch();
        setErrs({ ...NO_ERRORS, status: 412, message: `Someone else changed ${what} meanwhile. The latest version is shown now; apply your change again.` });
      } else {
        setErrs(e);
      }
      return false;
    }
    base.current = undefined;
    setErrs(NO_ERRORS);
    setNotice('Saved.');
    return true;
  }

  /** Errors found before asking the server (a value that does not parse), by field path. */
  const invalid = (fields: Record<string, string>) => setErrs({ ...NO_ERRORS, fields });
  return { errs, notice, onEdit, save, invalid };
}
