// Create one activity: subject, details, a due time (tasks), the customer — fixed by the page
// (quick logging on a customer) or chosen with a search (a new task on My tasks) — and the
// required custom fields of activities. Drafts that do not parse and a missing customer or due
// time are caught before sending; the API's errors (422 naming `attributes.<key>`, 409
// `value_taken`) appear next to their input.
import { useState, type FormEvent } from 'react';
import { useCreateActivityMutation, type Activity, type ActivityKind } from '../../app/api';
import { Button, FormError, TextField } from '../../components/ui';
import { fromLocalInput, tomorrowAtNine } from '../../lib/localTime';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/problem';
import { messageWithStray, RequiredCustomValues, useRequiredCustomValues } from '../customFields/RequiredCustomValues';
import { CustomerPicker } from '../customers/CustomerPicker';

export type ActivityFormProps = {
  kind: ActivityKind;
  /** The subject the form starts with. */
  subject?: string;
  /** The customer the activity is about; without one, the form asks for it. */
  customerId?: string;
  /** The submit button's text. */
  submitLabel?: string;
  onCreated: (a: Activity) => void;
  onCancel: () => void;
};

export function ActivityForm({ kind, subject: initialSubject = '', customerId, submitLabel = 'Save', onCreated, onCancel }: ActivityFormProps) {
  const [create, { isLoading, error }] = useCreateActivityMutation();
  const [subject, setSubject] = useState(initialSubject);
  const [body, setBody] = useState('');
  const [due, setDue] = useState(kind === 'task' ? tomorrowAtNine() : '');
  const [customer, setCustomer] = useState(customerId ?? '');
  const custom = useRequiredCustomValues('activity');
  const [local, setLocal] = useState<FormErrors>(NO_ERRORS);
  const errs = local.message ? local : formErrors(error);
  const message = messageWithStray(errs.message, errs.fields, ['subject', 'body', 'due_at', 'customer_id', ...custom.paths]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const bad: Record<string, string> = {};
    if (!customer) bad.customer_id = 'choose the customer';
    const dueAt = kind === 'task' ? fromLocalInput(due) : null;
    if (kind === 'task' && !dueAt) bad.due_at = 'a task needs a due time';
    const values = custom.collect();
    if (!values.ok) Object.assign(bad, values.errors);
    if (Object.keys(bad).length) {
      setLocal({ message: 'Please correct the fields marked below.', fields: bad, status: null });
      return;
    }
    setLocal(NO_ERRORS);
    const res = await create({
      activityCreate: {
        kind,
        subject,
        body: body.trim() || null,
        customer_id: customer,
        due_at: dueAt,
        ...(values.ok && custom.fields.length ? { attributes: values.attributes } : {}),
      },
    });
    if ('data' in res && res.data) onCreated(res.data);
  }

  const bodyId = `new-${kind}-body`;
  return (
    <form onSubmit={submit} noValidate className="space-y-3 rounded-md border border-slate-200 p-3" aria-label={`New ${kind}`}>
      <FormError message={message} />
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField label="Subject" className="sm:col-span-2" value={subject} onChange={(e) => setSubject(e.target.value)} error={errs.fields.subject} autoFocus />
        {customerId === undefined && <CustomerPicker value={customer} onChange={setCustomer} error={errs.fields.customer_id} />}
        <div className="sm:col-span-2">
          <label htmlFor={bodyId} className="mb-1 block text-sm font-medium text-slate-700">
            Details
          </label>
          <textarea id={bodyId} rows={2} value={body} onChange={(e) => setBody(e.target.value)} className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm focus:border-indigo-600 focus:outline-none focus:ring-2 focus:ring-indigo-600" />
        </div>
        {kind === 'task' && <TextField label="Due" type="datetime-local" required value={due} onChange={(e) => setDue(e.target.value)} error={errs.fields.due_at} />}
        <RequiredCustomValues state={custom} errors={errs.fields} />
      </div>
      <div className="flex gap-2">
        <Button type="submit" disabled={isLoading}>
          {isLoading ? 'Saving…' : submitLabel}
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
