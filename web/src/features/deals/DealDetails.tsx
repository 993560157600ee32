// One deal in a side panel, opened from its kanban card: title, value and expected close date
// edited in place, and every custom field of deals with the input of its type. Saves are
// PATCHes with If-Match (a concurrent change answers 412); the API's message for a value
// (`attributes.<key>`: 422, or 409 `value_taken`) appears under it.
import { Link } from 'react-router-dom';
import { useReadDealQuery, useUpdateDealMutation, type DealUpdate, type Stage } from '../../app/api';
import { Drawer } from '../../components/Drawer';
import { InlineField } from '../../components/InlineField';
import { Badge, ErrorState, FormError, Loading } from '../../components/ui';
import { date, money } from '../../lib/format';
import { errorMessage } from '../../lib/problem';
import { useVersionedSave } from '../../lib/useVersionedSave';
import { CustomFieldsError, CustomValueRows, OtherAttributes } from '../customFields/CustomValueRows';
import { amountDraft, amountValue } from '../customFields/values';

function Details({ id, stages, editable }: { id: string; stages: Stage[]; editable: boolean }) {
  const q = useReadDealQuery({ id });
  const [update] = useUpdateDealMutation();
  const { errs, notice, onEdit, save, invalid } = useVersionedSave<DealUpdate>(
    `/api/v1/deals/${id}`,
    (patch, ifMatch) => update({ id, dealUpdate: patch, ...ifMatch }),
    () => void q.refetch(),
    'this deal',
  );
  if (q.isLoading) return <Loading label="Loading deal…" />;
  if (q.error || !q.data) return <ErrorState message={errorMessage(q.error)} onRetry={q.refetch} />;
  const d = q.data;
  const saveValue = async (draft: string) => {
    const v = amountValue(draft, d.currency);
    if (!v.ok) {
      invalid({ value: v.error });
      return false;
    }
    return save({ value: typeof v.value === 'number' ? v.value : 0 });
  };
  return (
    <div className="space-y-3">
      <FormError message={errs.message} />
      <p role="status" className="sr-only">
        {notice}
      </p>
      <dl>
        <InlineField label="Title" value={d.title} editable={editable} onEdit={onEdit} error={errs.fields.title} onSave={(v) => save({ title: v })} />
        <InlineField label="Value" value={amountDraft(d.value, d.currency)} display={money(d.value, d.currency)} editable={editable} onEdit={onEdit} error={errs.fields.value} onSave={saveValue} />
        <InlineField
          label="Expected close"
          type="date"
          value={d.expected_close_date ?? ''}
          display={date(d.expected_close_date)}
          editable={editable}
          onEdit={onEdit}
          error={errs.fields.expected_close_date}
          onSave={(v) => save({ expected_close_date: v || null })}
        />
        <CustomValueRows entity="deal" record={d} editable={editable} errors={errs.fields} onEdit={onEdit} onSave={(attributes) => save({ attributes })} onInvalid={invalid} />
      </dl>
      <CustomFieldsError entity="deal" />
      <dl className="grid grid-cols-2 gap-2 text-sm text-slate-700">
        <dt className="text-slate-600">Stage</dt>
        <dd>{stages.find((s) => s.id === d.stage_id)?.name ?? '—'}</dd>
        <dt className="text-slate-600">Status</dt>
        <dd>
          <Badge value={d.status} />
          {d.lost_reason && <span className="block text-xs text-slate-600">{d.lost_reason}</span>}
        </dd>
        <dt className="text-slate-600">Customer</dt>
        <dd>
          <Link to={`/customers/${d.customer_id}`} className="text-indigo-700 underline">
            Open the customer
          </Link>
        </dd>
        <OtherAttributes entity="deal" record={d} />
      </dl>
    </div>
  );
}

/** The side panel of the deal `id` (titled with `title`, as shown on its card). */
export function DealDetails({ id, title, stages, editable, onClose }: { id: string; title: string; stages: Stage[]; editable: boolean; onClose: () => void }) {
  return (
    <Drawer title={title} onClose={onClose}>
      <Details id={id} stages={stages} editable={editable} />
    </Drawer>
  );
}
