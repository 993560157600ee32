// Administration (admins only): users, teams, API keys, webhooks (with their deliveries and
// replays), custom fields and the AI models. Roles join here next.
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import {
  useCreateApiKeyMutation,
  useCreateTeamMutation,
  useCreateUserMutation,
  useCreateWebhookMutation,
  useListApiKeysQuery,
  useListWebhookDeliveriesQuery,
  useListWebhooksQuery,
  useReplayWebhookDeliveryMutation,
  useListTeamsQuery,
  useListUsersQuery,
  useRevokeApiKeyMutation,
  useUpdateUserMutation,
  type ApiKeyCreated,
  type Role,
  type User,
  type Webhook,
  type WebhookWithSecret,
} from '../../app/api';
import { Button, Card, Empty, ErrorState, FormError, Loading, PageHeader, ScrollRegion, SelectField, TextField } from '../../components/ui';
import { date, dateTime } from '../../lib/format';
import { errorMessage, formErrors } from '../../lib/problem';
import { ModelsSettings } from '../ai/ModelsSettings';
import { CustomFieldsSettings } from './CustomFieldsSettings';

const ROLES: Role[] = ['admin', 'manager', 'sales_rep', 'support', 'viewer'];
const TABS = [
  { key: 'users', label: 'Users' },
  { key: 'teams', label: 'Teams' },
  { key: 'api-keys', label: 'API keys' },
  { key: 'webhooks', label: 'Webhooks' },
  { key: 'custom-fields', label: 'Custom fields' },
  { key: 'ai-models', label: 'AI models' },
] as const;
type Tab = (typeof TABS)[number]['key'];

function useTeamNames() {
  const teams = useListTeamsQuery({ limit: 500 });
  return { teams: teams.data?.data ?? [], name: (id: string | null | undefined) => teams.data?.data.find((t) => t.id === id)?.name ?? '—' };
}

function NewUser({ onDone }: { onDone: () => void }) {
  const [create, { isLoading, error }] = useCreateUserMutation();
  const { teams } = useTeamNames();
  const [v, setV] = useState({ email: '', name: '', role: 'sales_rep' as Role, team_id: '', password: '' });
  const errs = formErrors(error);
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV({ ...v, [k]: e.target.value });
  async function submit(e: FormEvent) {
    e.preventDefault();
    const res = await create({ userCreate: { email: v.email, name: v.name, role: v.role, team_id: v.team_id || null, password: v.password } });
    if ('data' in res) onDone();
  }
  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-user-title" className="space-y-3 rounded-md border border-slate-200 p-3">
      <h3 id="new-user-title" className="font-semibold">New user</h3>
      <FormError message={errs.message} />
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField label="E-mail" type="email" value={v.email} onChange={set('email')} error={errs.fields.email} autoFocus />
        <TextField label="Name" value={v.name} onChange={set('name')} error={errs.fields.name} />
        <SelectField label="Role" value={v.role} onChange={set('role')} error={errs.fields.role}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r.replace('_', ' ')}
            </option>
          ))}
        </SelectField>
        <SelectField label="Team" value={v.team_id} onChange={set('team_id')} error={errs.fields.team_id}>
          <option value="">No team</option>
          {teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </SelectField>
        <TextField label="Initial password" type="password" autoComplete="new-password" value={v.password} onChange={set('password')} error={errs.fields.password} />
      </div>
      <div className="flex gap-2">
        <Button type="submit" disabled={isLoading}>
          Create user
        </Button>
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function UserRow({ u, team }: { u: User; team: string }) {
  const [update, { isLoading, error }] = useUpdateUserMutation();
  return (
    <tr className="border-t border-slate-100">
      <td className="px-3 py-2">
        <span className="block font-medium">{u.name}</span>
        <span className="block text-slate-600">{u.email}</span>
      </td>
      <td className="px-3 py-2">
        <label className="sr-only" htmlFor={`role-${u.id}`}>
          Role of {u.name}
        </label>
        <select id={`role-${u.id}`} value={u.role} disabled={isLoading} onChange={(e) => void update({ id: u.id, userUpdate: { role: e.target.value as Role } })} className="rounded border border-slate-300 bg-white px-2 py-1">
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r.replace('_', ' ')}
            </option>
          ))}
        </select>
        {error && <p className="text-sm text-red-700">{errorMessage(error)}</p>}
      </td>
      <td className="px-3 py-2">{team}</td>
      <td className="px-3 py-2">{u.active ? 'Active' : 'Deactivated'}</td>
      <td className="whitespace-nowrap px-3 py-2">{dateTime(u.last_login_at)}</td>
    </tr>
  );
}

function Users() {
  const q = useListUsersQuery({ limit: 500 });
  const { name } = useTeamNames();
  const [adding, setAdding] = useState(false);
  return (
    <Card title="Users" actions={!adding && <Button onClick={() => setAdding(true)}>New user</Button>}>
      {adding && <NewUser onDone={() => setAdding(false)} />}
      {q.isLoading ? (
        <Loading />
      ) : q.error ? (
        <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />
      ) : !q.data?.data.length ? (
        <Empty>No users.</Empty>
      ) : (
        <ScrollRegion label="Users">
          <table className="min-w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">User</th>
                <th scope="col" className="px-3 py-2 font-medium">Role</th>
                <th scope="col" className="px-3 py-2 font-medium">Team</th>
                <th scope="col" className="px-3 py-2 font-medium">State</th>
                <th scope="col" className="px-3 py-2 font-medium">Last login</th>
              </tr>
            </thead>
            <tbody>
              {q.data.data.map((u) => (
                <UserRow key={u.id} u={u} team={name(u.team_id)} />
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </Card>
  );
}

function Teams() {
  const q = useListTeamsQuery({ limit: 500 });
  const [create, { isLoading, error, reset }] = useCreateTeamMutation();
  const [teamName, setTeamName] = useState('');
  const errs = formErrors(error);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const res = await create({ teamInput: { name: teamName } });
    if ('data' in res) {
      setTeamName('');
      reset();
    }
  }
  return (
    <Card title="Teams">
      <form onSubmit={submit} noValidate className="mb-4 flex flex-wrap items-end gap-2" aria-label="New team">
        <TextField label="New team name" value={teamName} onChange={(e) => setTeamName(e.target.value)} error={errs.fields.name ?? (errs.fields.name ? undefined : errs.message ?? undefined)} />
        <Button type="submit" disabled={isLoading}>
          Add team
        </Button>
      </form>
      {q.isLoading ? (
        <Loading />
      ) : q.error ? (
        <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />
      ) : !q.data?.data.length ? (
        <Empty>No teams yet.</Empty>
      ) : (
        <ul className="divide-y divide-slate-100">
          {q.data.data.map((t) => (
            <li key={t.id} className="flex justify-between py-2 text-sm">
              <span className="font-medium">{t.name}</span>
              <span className="text-slate-600">since {date(t.created_at)}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function ApiKeys() {
  const q = useListApiKeysQuery();
  const [create, { isLoading, error }] = useCreateApiKeyMutation();
  const [revoke] = useRevokeApiKeyMutation();
  const [v, setV] = useState({ name: '', role: 'viewer' as Role });
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const errs = formErrors(error);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const res = await create({ apiKeyCreate: { name: v.name, role: v.role } });
    if ('data' in res && res.data) {
      setCreated(res.data);
      setV({ name: '', role: 'viewer' });
    }
  }
  return (
    <Card title="API keys">
      <form onSubmit={submit} noValidate className="mb-4 space-y-2" aria-label="New API key">
        <FormError message={errs.message} />
        <div className="flex flex-wrap items-end gap-2">
          <TextField label="Key name" value={v.name} onChange={(e) => setV({ ...v, name: e.target.value })} error={errs.fields.name} />
          <SelectField label="Acts as role" value={v.role} onChange={(e) => setV({ ...v, role: e.target.value as Role })} error={errs.fields.role}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r.replace('_', ' ')}
              </option>
            ))}
          </SelectField>
          <Button type="submit" disabled={isLoading}>
            Create key
          </Button>
        </div>
      </form>
      {created && (
        <div role="status" className="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm">
          <p className="font-medium">Copy the key “{created.name}” now: it is shown only once.</p>
          <code className="mt-1 block break-all rounded bg-white p-2 font-mono text-xs">{created.secret}</code>
        </div>
      )}
      {q.isLoading ? (
        <Loading />
      ) : q.error ? (
        <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />
      ) : !q.data?.data.length ? (
        <Empty>No API keys.</Empty>
      ) : (
        <ul className="divide-y divide-slate-100">
          {q.data.data.map((k) => (
            <li key={k.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
              <span>
                <span className="font-medium">{k.name}</span> <span className="font-mono text-xs text-slate-600">{k.prefix}…</span>
                <span className="ml-2 text-slate-700">{k.role.replace('_', ' ')}</span>
              </span>
              {k.revoked_at ? (
                <span className="text-slate-600">Revoked {date(k.revoked_at)}</span>
              ) : (
                <Button variant="danger" onClick={() => void revoke({ id: k.id })} aria-label={`Revoke ${k.name}`}>
                  Revoke
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Deliveries({ hook }: { hook: Webhook }) {
  const q = useListWebhookDeliveriesQuery({ id: hook.id, limit: 10 });
  const [replay] = useReplayWebhookDeliveryMutation();
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />;
  if (!q.data?.data.length) return <p className="text-sm text-slate-700">No deliveries yet.</p>;
  return (
    <ul className="divide-y divide-slate-100 text-sm" aria-label={`Deliveries to ${hook.url}`}>
      {q.data.data.map((d) => (
        <li key={d.id} className="flex flex-wrap items-center justify-between gap-2 py-1.5">
          <span>
            <span className="font-mono text-xs">{d.event_type}</span> · {d.status} · {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
            {d.last_status ? ` · HTTP ${d.last_status}` : ''} · {dateTime(d.created_at)}
          </span>
          <Button variant="secondary" onClick={() => void replay({ id: d.id }).then(() => q.refetch())} aria-label={`Replay ${d.event_type} delivery ${d.id}`}>
            Replay
          </Button>
        </li>
      ))}
    </ul>
  );
}

function Webhooks() {
  const q = useListWebhooksQuery({});
  const [create, { isLoading, error }] = useCreateWebhookMutation();
  const [v, setV] = useState({ url: '', events: 'customer.*, deal.stage_changed', description: '' });
  const [created, setCreated] = useState<WebhookWithSecret | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const errs = formErrors(error);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const events = v.events.split(',').map((s) => s.trim()).filter(Boolean);
    const res = await create({ webhookCreate: { url: v.url.trim(), events, description: v.description.trim() || null } });
    if ('data' in res && res.data) {
      setCreated(res.data);
      setV({ url: '', events: 'customer.*, deal.stage_changed', description: '' });
    }
  }
  return (
    <Card title="Webhooks">
      <form onSubmit={submit} noValidate className="mb-4 space-y-2" aria-label="New webhook">
        <FormError message={errs.message} />
        <div className="flex flex-wrap items-end gap-2">
          <TextField label="Endpoint URL" value={v.url} onChange={(e) => setV({ ...v, url: e.target.value })} error={errs.fields.url} placeholder="https://…" />
          <TextField label="Events" value={v.events} onChange={(e) => setV({ ...v, events: e.target.value })} error={errs.fields.events ?? Object.entries(errs.fields).find(([k]) => k.startsWith('events['))?.[1]} />
          <TextField label="Description" value={v.description} onChange={(e) => setV({ ...v, description: e.target.value })} error={errs.fields.description} />
          <Button type="submit" disabled={isLoading}>
            Add webhook
          </Button>
        </div>
      </form>
      {created && (
        <div role="status" className="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm">
          <p className="font-medium">Copy the signing secret of {created.url} now: it is shown only once.</p>
          <code className="mt-1 block break-all rounded bg-white p-2 font-mono text-xs">{created.secret}</code>
        </div>
      )}
      {q.isLoading ? (
        <Loading />
      ) : q.error ? (
        <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />
      ) : !q.data?.data.length ? (
        <Empty>No webhooks.</Empty>
      ) : (
        <ul className="divide-y divide-slate-100">
          {q.data.data.map((w) => (
            <li key={w.id} className="py-2 text-sm">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <span>
                  <span className="font-medium break-all">{w.url}</span>
                  <span className="ml-2 font-mono text-xs text-slate-700">{w.events.join(', ')}</span>
                  <span className="ml-2 text-slate-700">
                    {w.disabled_at ? `disabled ${date(w.disabled_at)}: ${w.disabled_reason ?? ''}` : w.active ? 'active' : 'paused'}
                  </span>
                </span>
                <Button variant="secondary" aria-expanded={open === w.id} onClick={() => setOpen(open === w.id ? null : w.id)}>
                  {open === w.id ? 'Hide deliveries' : 'Deliveries'}
                </Button>
              </div>
              {open === w.id && (
                <div className="mt-2">
                  <Deliveries hook={w} />
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export default function SettingsPage() {
  const [params, setParams] = useSearchParams();
  const tab: Tab = TABS.find((t) => t.key === params.get('tab'))?.key ?? 'users';
  return (
    <div className="space-y-4">
      <PageHeader title="Settings" />
      <nav aria-label="Settings sections">
        <ul className="flex flex-wrap gap-2">
          {TABS.map((t) => (
            <li key={t.key}>
              <button
                type="button"
                aria-current={tab === t.key ? 'page' : undefined}
                onClick={() => setParams({ tab: t.key }, { replace: true })}
                className={`rounded-md px-3 py-1.5 text-sm font-medium focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600 ${tab === t.key ? 'bg-indigo-600 text-white' : 'border border-slate-300 bg-white text-slate-800 hover:bg-slate-100'}`}
              >
                {t.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      {tab === 'users' && <Users />}
      {tab === 'teams' && <Teams />}
      {tab === 'api-keys' && <ApiKeys />}
      {tab === 'webhooks' && <Webhooks />}
      {tab === 'custom-fields' && <CustomFieldsSettings />}
      {tab === 'ai-models' && <ModelsSettings />}
    </div>
  );
}
