// Create a customer; server-side validation errors appear next to their field. The required
// custom fields are part of the form (the others are set on the customer's page).
import { useState, type FormEvent } from 'react';
import { useCreateCustomerMutation, type Customer, type CustomerKind, type CustomerStatus } from '../../app/api';
import { Button, FormError, SelectField, TextField } from '../../components/ui';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/problem';
import { CustomValueField, useCustomFields } from '../customFields/CustomValueInput';
import { errorPath, fromDraft } from '../customFields/values';

export const STATUSES: CustomerStatus[] = ['lead', 'prospect', 'customer', 'churned'];

export function parseTags(s: string): string[] {
  return s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

export function CustomerForm({ onCreated, onCancel }: { onCreated: (c: Customer) => void; onCancel: () => void }) {
  const [create, { isLoading, error }] = useCreateCustomerMutation();
  const [v, setV] = useState({ name: '', email: '', phone: '', company_name: '', status: 'lead' as CustomerStatus, kind: 'person' as CustomerKind, tags: '' });
  const custom = useCustomFields('customer');
  const requiredFields = custom.fields.filter((f) => f.required);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [local, setLocal] = useState<FormErrors>(NO_ERRORS);
  const errs = local.message ? local : formErrors(error);
  // Errors about inputs the form does not have (e.g. a custom field whose definition did not load) are listed with the message.
  const inputs = new Set<string>([...Object.keys(v), ...requiredFields.map(errorPath)]);
  const stray = Object.entries(errs.fields).filter(([k]) => !inputs.has(k));
  const message = stray.length ? `${errs.message ?? ''} ${stray.map(([k, m]) => `${k}: ${m}`).join('; ')}`.trim() : errs.message;
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV({ ...v, [k]: e.target.value });

  async function submit(e: FormEvent) {
    e.preventDefault();
    const attributes: Record<string, unknown> = {};
    const bad: Record<string, string> = {};
    for (const f of requiredFields) {
      const parsed = fromDraft(f, drafts[f.key] ?? '');
      if (!parsed.ok) bad[errorPath(f)] = parsed.error;
      else if (parsed.value !== null) attributes[f.key] = parsed.value;
    }
    if (Object.keys(bad).length) {
      setLocal({ message: 'Please correct the fields marked below.', fields: bad, status: null });
      return;
    }
    setLocal(NO_ERRORS);
    const res = await create({
      customerCreate: {
        name: v.name,
        kind: v.kind,
        status: v.status,
        email: v.email.trim() || null,
        phone: v.phone.trim() || null,
        company_name: v.company_name.trim() || null,
        tags: parseTags(v.tags),
        ...(requiredFields.length ? { attributes } : {}),
      },
    });
    if ('data' in res && res.data) onCreated(res.data);
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-customer-title" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <h2 id="new-customer-title" className="text-lg font-semibold">New customer</h2>
      <FormError message={message} />
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField label="Name" required value={v.name} onChange={set('name')} error={errs.fields.name} autoFocus />
        <TextField label="E-mail" type="email" value={v.email} onChange={set('email')} error={errs.fields.email} />
        <TextField label="Phone" type="tel" value={v.phone} onChange={set('phone')} error={errs.fields.phone} />
        <TextField label="Company" value={v.company_name} onChange={set('company_name')} error={errs.fields.company_name} />
        <SelectField label="Kind" value={v.kind} onChange={set('kind')} error={errs.fields.kind}>
          <option value="person">Person</option>
          <option value="company">Company</option>
        </SelectField>
        <SelectField label="Status" value={v.status} onChange={set('status')} error={errs.fields.status}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </SelectField>
        <TextField label="Tags" hint="Comma-separated" value={v.tags} onChange={set('tags')} error={errs.fields.tags} className="sm:col-span-2" />
        {requiredFields.map((f) => (
          <CustomValueField key={f.id} field={f} value={drafts[f.key] ?? ''} onChange={(d) => setDrafts((x) => ({ ...x, [f.key]: d }))} error={errs.fields[errorPath(f)]} />
        ))}
      </div>
      <div className="flex gap-2">
        <Button type="submit" disabled={isLoading}>
          {isLoading ? 'Creating…' : 'Create customer'}
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
