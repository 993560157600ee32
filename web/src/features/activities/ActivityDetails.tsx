// One activity in a side panel, opened from a customer's activities or from My tasks: subject,
// kind, due time, details (the body, several lines), assignee (AssigneeField) and every custom
// field of activities edited in place, and a button that marks it done or reopens it. Saves are
// PATCHes with If-Match (a concurrent change answers 412); the API's message for a field (e.g.
// `attributes.<key>`: 422, or 409 `value_taken`) appears under it. Whoever may not change the
// activity (canWriteActivity) sees it read-only.
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useReadActivityQuery, useUpdateActivityMutation, type ActivityKind, type ActivityUpdate } from '../../app/api';
import { Drawer } from '../../components/Drawer';
import { InlineField } from '../../components/InlineField';
import { Button, ErrorState, FormError, Loading } from '../../components/ui';
import { dateTime, label } from '../../lib/format';
import { fromLocalInput, toLocalInput } from '../../lib/localTime';
import { errorMessage } from '../../lib/problem';
import { useVersionedSave } from '../../lib/useVersionedSave';
import { SentimentBadge } from '../ai/badges';
import { canWriteActivity } from '../auth/permissions';
import { CustomFieldsError, CustomValueRows, OtherAttributes } from '../customFields/CustomValueRows';
import { useMe } from '../shell/AppShell';
import { AssigneeField } from './AssigneeField';

const KINDS: ActivityKind[] = ['note', 'call', 'email', 'meeting', 'task'];
const KIND_CHOICES = KINDS.map((k) => ({ value: k, label: label(k) }));

function Details({ id }: { id: string }) {
  const me = useMe();
  const q = useReadActivityQuery({ id });
  const [update] = useUpdateActivityMutation();
  const { errs, notice, onEdit, save, invalid } = useVersionedSave<ActivityUpdate>(
    `/api/v1/activities/${id}`,
    (patch, ifMatch) => update({ id, activityUpdate: patch, ...ifMatch }),
    () => void q.refetch(),
    'this activity',
  );
  const [toggling, setToggling] = useState(false);
  if (q.isLoading) return <Loading label="Loading activity…" />;
  if (q.error || !q.data) return <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />;
  const a = q.data;
  const editable = canWriteActivity(me, a);
  async function toggleDone() {
    setToggling(true);
    await save({ done: !a.done });
    setToggling(false);
  }
  return (
    <div className="space-y-3">
      <FormError message={errs.message} />
      <p role="status" className="sr-only">
        {notice}
      </p>
      <dl>
        <InlineField label="Subject" value={a.subject} editable={editable} onEdit={onEdit} error={errs.fields.subject} onSave={(v) => save({ subject: v })} />
        <InlineField label="Kind" value={a.kind} display={label(a.kind)} options={KIND_CHOICES} editable={editable} onEdit={onEdit} error={errs.fields.kind} onSave={(v) => save({ kind: v as ActivityKind })} />
        <InlineField
          label="Due"
          type="datetime-local"
          value={toLocalInput(a.due_at)}
          display={dateTime(a.due_at)}
          editable={editable}
          onEdit={onEdit}
          error={errs.fields.due_at}
          onSave={(v) => save({ due_at: fromLocalInput(v) })}
        />
        <InlineField label="Details" multiline value={a.body ?? ''} editable={editable} onEdit={onEdit} error={errs.fields.body} onSave={(v) => save({ body: v.trim() || null })} />
        <AssigneeField me={me} assigneeId={a.assignee_id} editable={editable} error={errs.fields.assignee_id} onEdit={onEdit} onSave={(assignee_id) => save({ assignee_id })} />
        <CustomValueRows entity="activity" record={a} editable={editable} errors={errs.fields} onEdit={onEdit} onSave={(attributes) => save({ attributes })} onInvalid={invalid} />
      </dl>
      <CustomFieldsError entity="activity" />
      <dl className="grid grid-cols-2 gap-2 text-sm text-slate-700">
        <dt className="text-slate-600">State</dt>
        <dd className="flex flex-wrap items-center gap-2">
          {a.done ? `Done ${dateTime(a.completed_at)}` : 'Open'}
          {editable && (
            <Button variant="ghost" className="px-2 py-0.5" disabled={toggling} onClick={() => void toggleDone()}>
              {a.done ? 'Reopen' : 'Mark done'}
            </Button>
          )}
        </dd>
        {typeof a.sentiment === 'number' && (
          <>
            <dt className="text-slate-600">Sentiment</dt>
            <dd>
              <SentimentBadge value={a.sentiment} />
            </dd>
          </>
        )}
        <dt className="text-slate-600">Customer</dt>
        <dd>
          <Link to={`/customers/${a.customer_id}`} className="text-indigo-700 underline">
            Open the customer
          </Link>
        </dd>
        <dt className="text-slate-600">Created</dt>
        <dd>{dateTime(a.created_at)}</dd>
        <OtherAttributes entity="activity" record={a} />
      </dl>
    </div>
  );
}

/** The side panel of the activity `id` (titled with `title`, its subject where it was opened). */
export function ActivityDetails({ id, title, onClose }: { id: string; title: string; onClose: () => void }) {
  return (
    <Drawer title={title} onClose={onClose}>
      <Details id={id} />
    </Drawer>
  );
}
