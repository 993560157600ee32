// One profile field that turns into an input on "Edit": Enter or Save stores it, Escape or
// Cancel restores the shown value; the server's message for the field appears under it. The
// input is a text input, a text area (`multiline`: Enter starts a new line, Ctrl+Enter or
// ⌘+Enter stores it), a select of `options`, or what `editor` renders (custom fields).
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Button, FieldError, inputClass } from './ui';

/** What an `editor` gets to render the input of an InlineField with. */
export type InlineEditorProps = {
  id: string;
  /** The id of the label, for inputs that are a group (`aria-labelledby`). */
  labelId: string;
  value: string;
  onChange: (value: string) => void;
  invalid: boolean;
  describedBy: string | undefined;
  onKeyDown: (e: React.KeyboardEvent) => void;
};

/** A choice of a select: a string is both the value and the text shown. */
export type InlineOption = string | { value: string; label: string };

export type InlineFieldProps = {
  label: string;
  value: string;
  display?: ReactNode;
  editable: boolean;
  options?: readonly InlineOption[];
  type?: string;
  /** Edits a text of several lines in a text area instead of a text input. */
  multiline?: boolean;
  error?: string | undefined;
  onSave: (value: string) => Promise<boolean>;
  /** Called when editing starts (the page remembers which version the edit is based on). */
  onEdit?: () => void;
  /** Renders the input instead of the text input or select (the first focusable element gets the focus). */
  editor?: (props: InlineEditorProps) => ReactNode;
};

export function InlineField({ label, value, display, editable, options, type = 'text', multiline = false, error, onSave, onEdit, editor }: InlineFieldProps) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value);
  const [saving, setSaving] = useState(false);
  const id = useId();
  const box = useRef<HTMLDivElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);

  useEffect(() => {
    if (editing) box.current?.querySelector<HTMLElement>('input, select, textarea')?.focus();
    else if (wasEditing.current) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  function start() {
    onEdit?.();
    setDraft(value);
    setEditing(true);
  }

  async function store() {
    if (draft === value) {
      setEditing(false);
      return;
    }
    setSaving(true);
    const ok = await onSave(draft);
    setSaving(false);
    if (ok) setEditing(false);
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    void store();
  }

  if (!editing) {
    return (
      <div className="flex items-start justify-between gap-2 border-b border-slate-100 py-2">
        <dt className="w-28 shrink-0 text-sm text-slate-600">{label}</dt>
        <dd className="flex min-w-0 flex-1 items-start justify-between gap-2 text-sm">
          <span className={`min-w-0 break-words ${multiline ? 'whitespace-pre-line' : ''}`}>
            {display ?? (value || '—')}
            {/* A save of another field can be refused because of this one (e.g. a required custom field). */}
            {error && (
              <span id={`${id}-error`} className="block text-sm text-red-700">
                {error}
              </span>
            )}
          </span>
          {editable && (
            <button ref={editButton} type="button" onClick={start} className="shrink-0 rounded px-2 text-sm text-indigo-700 underline-offset-2 hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600" aria-label={`Edit ${label.toLowerCase()}`} aria-describedby={error ? `${id}-error` : undefined}>
              Edit
            </button>
          )}
        </dd>
      </div>
    );
  }
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') setEditing(false);
    else if (multiline && e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void store();
    }
  };
  const describedBy = [error ? `${id}-error` : null, multiline ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    className: inputClass,
    value: draft,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    onKeyDown,
  };
  return (
    <div className="border-b border-slate-100 py-2">
      <dt>
        <label id={`${id}-label`} htmlFor={id} className="mb-1 block text-sm text-slate-600">
          {label}
        </label>
      </dt>
      <dd>
        <form onSubmit={submit} aria-label={`Edit ${label.toLowerCase()}`}>
          <div className="flex flex-wrap items-center gap-2">
            <div ref={box} className={multiline ? 'w-full' : 'min-w-0 flex-1'}>
              {editor ? (
                editor({ id, labelId: `${id}-label`, value: draft, onChange: setDraft, invalid: !!error, describedBy: error ? `${id}-error` : undefined, onKeyDown })
              ) : options ? (
                <select {...common} onChange={(e) => setDraft(e.target.value)}>
                  {options.map((o) => {
                    const { value: v, label: text } = typeof o === 'string' ? { value: o, label: o } : o;
                    return (
                      <option key={v} value={v}>
                        {text}
                      </option>
                    );
                  })}
                </select>
              ) : multiline ? (
                <>
                  <textarea {...common} rows={5} onChange={(e) => setDraft(e.target.value)} />
                  <p id={`${id}-hint`} className="mt-1 text-xs text-slate-600">
                    Ctrl+Enter (⌘+Enter) saves, Escape cancels.
                  </p>
                </>
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
