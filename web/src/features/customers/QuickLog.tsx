// Log a call, a note or a task in two clicks: pick the kind (the form opens with a subject
// filled in and focused), then Save.
import { useState, type FormEvent } from 'react';
import { useCreateActivityMutation, type ActivityKind, type Customer } from '../../app/api';
import { Button, FormError, TextField } from '../../components/ui';
import { formErrors } from '../../lib/problem';

const KINDS: { kind: ActivityKind; button: string; subject: (c: Customer) => string }[] = [
  { kind: 'call', button: 'Log call', subject: (c) => `Call with ${c.name}` },
  { kind: 'note', button: 'Add note', subject: (c) => `Note about ${c.name}` },
  { kind: 'task', button: 'Add task', subject: (c) => `Follow up with ${c.name}` },
];

function tomorrowAtNine(): string {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  d.setHours(9, 0, 0, 0);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function QuickLog({ customer, onLogged }: { customer: Customer; onLogged: (subject: string) => void }) {
  const [kind, setKind] = useState<ActivityKind | null>(null);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [due, setDue] = useState('');
  const [create, { isLoading, error, reset }] = useCreateActivityMutation();
  const errs = formErrors(error);

  function open(k: (typeof KINDS)[number]) {
    reset();
    setKind(k.kind);
    setSubject(k.subject(customer));
    setBody('');
    setDue(k.kind === 'task' ? tomorrowAtNine() : '');
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!kind) return;
    const res = await create({
      activityCreate: {
        kind,
        subject,
        body: body.trim() || null,
        customer_id: customer.id,
        due_at: kind === 'task' && due ? new Date(due).toISOString() : null,
      },
    });
    if ('data' in res && res.data) {
      setKind(null);
      onLogged(res.data.subject);
    }
  }

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-2" role="group" aria-label="Log an activity">
        {KINDS.map((k) => (
          <Button key={k.kind} variant={kind === k.kind ? 'primary' : 'secondary'} onClick={() => open(k)} aria-pressed={kind === k.kind}>
            {k.button}
          </Button>
        ))}
      </div>
      {kind && (
        <form onSubmit={submit} noValidate className="space-y-3 rounded-md border border-slate-200 p-3" aria-label={`New ${kind}`}>
          <FormError message={errs.message} />
          <TextField label="Subject" value={subject} onChange={(e) => setSubject(e.target.value)} error={errs.fields.subject} autoFocus />
          <div>
            <label htmlFor="quicklog-body" className="mb-1 block text-sm font-medium text-slate-700">
              Details
            </label>
            <textarea id="quicklog-body" rows={2} value={body} onChange={(e) => setBody(e.target.value)} className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm focus:border-indigo-600 focus:outline-none focus:ring-2 focus:ring-indigo-600" />
          </div>
          {kind === 'task' && <TextField label="Due" type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} error={errs.fields.due_at} />}
          <div className="flex gap-2">
            <Button type="submit" disabled={isLoading}>
              {isLoading ? 'Saving…' : 'Save'}
            </Button>
            <Button variant="secondary" onClick={() => setKind(null)}>
              Cancel
            </Button>
          </div>
        </form>
      )}
    </div>
  );
}
