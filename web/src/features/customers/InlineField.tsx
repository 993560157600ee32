// One profile field that turns into an input on "Edit": Enter or Save stores it, Escape or
// Cancel restores the shown value; the server's message for the field appears under it.
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Button, FieldError, inputClass } from '../../components/ui';

export type InlineFieldProps = {
  label: string;
  value: string;
  display?: ReactNode;
  editable: boolean;
  options?: string[];
  type?: string;
  error?: string | undefined;
  onSave: (value: string) => Promise<boolean>;
  /** Called when editing starts (the page remembers which version the edit is based on). */
  onEdit?: () => void;
};

export function InlineField({ label, value, display, editable, options, type = 'text', error, onSave, onEdit }: InlineFieldProps) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value);
  const [saving, setSaving] = useState(false);
  const id = useId();
  const input = useRef<HTMLInputElement & HTMLSelectElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);

  useEffect(() => {
    if (editing) input.current?.focus();
    else if (wasEditing.current) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  function start() {
    onEdit?.();
    setDraft(value);
    setEditing(true);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (draft === value) {
      setEditing(false);
      return;
    }
    setSaving(true);
    const ok = await onSave(draft);
    setSaving(false);
    if (ok) setEditing(false);
  }

  if (!editing) {
    return (
      <div className="flex items-start justify-between gap-2 border-b border-slate-100 py-2">
        <dt className="w-28 shrink-0 text-sm text-slate-600">{label}</dt>
        <dd className="flex min-w-0 flex-1 items-start justify-between gap-2 text-sm">
          <span className="min-w-0 break-words">{display ?? (value || '—')}</span>
          {editable && (
            <button ref={editButton} type="button" onClick={start} className="shrink-0 rounded px-2 text-sm text-indigo-700 underline-offset-2 hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600" aria-label={`Edit ${label.toLowerCase()}`}>
              Edit
            </button>
          )}
        </dd>
      </div>
    );
  }
  const common = {
    id,
    ref: input,
    className: inputClass,
    value: draft,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': error ? `${id}-error` : undefined,
    onKeyDown: (e: React.KeyboardEvent) => {
      if (e.key === 'Escape') setEditing(false);
    },
  };
  return (
    <div className="border-b border-slate-100 py-2">
      <dt>
        <label htmlFor={id} className="mb-1 block text-sm text-slate-600">
          {label}
        </label>
      </dt>
      <dd>
        <form onSubmit={submit} aria-label={`Edit ${label.toLowerCase()}`}>
          <div className="flex flex-wrap items-center gap-2">
            <div className="min-w-0 flex-1">
              {options ? (
                <select {...common} onChange={(e) => setDraft(e.target.value)}>
                  {options.map((o) => (
                    <option key={o} value={o}>
                      {o}
                    </option>
                  ))}
                </select>
              ) : (
                <input {...common} type={type} onChange={(e) => setDraft(e.target.value)} />
              )}
            </div>
            <Button type="submit" disabled={saving}>
              {saving ? 'Saving…' : 'Save'}
            </Button>
            <Button variant="secondary" onClick={() => setEditing(false)}>
              Cancel
            </Button>
          </div>
          <FieldError id={`${id}-error`} message={error} />
        </form>
      </dd>
    </div>
  );
}
