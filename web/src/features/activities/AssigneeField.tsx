// Who should do an activity, as a row of its panel: a select of "Unassigned" and the users the
// caller may see. The API takes any active user, but only admins (everyone) and managers (their
// team) may list users (`users:read`); others pick between themselves and nobody. An assignee
// not among the choices (a user the caller cannot see, or a deactivated one) stays selectable, so
// an edit keeps it; unseen, it is shown as "Another user".
import { useListUsersQuery, type User } from '../../app/api';
import { InlineField } from '../../components/InlineField';
import { can } from '../auth/permissions';

export type AssigneeFieldProps = {
  me: User | undefined;
  assigneeId: string | null | undefined;
  editable: boolean;
  error: string | undefined;
  onEdit: () => void;
  /** Stores the new assignee (`null`: nobody); true when saved. */
  onSave: (assigneeId: string | null) => Promise<boolean>;
};

export function AssigneeField({ me, assigneeId, editable, error, onEdit, onSave }: AssigneeFieldProps) {
  const listed = useListUsersQuery({ limit: 500 }, { skip: !can(me?.role, 'users:read') });
  const users = listed.data?.data ?? [];
  const others = users.filter((u) => u.active && u.id !== me?.id).sort((a, b) => a.name.localeCompare(b.name));
  const choices = [{ value: '', label: 'Unassigned' }, ...(me ? [{ value: me.id, label: `${me.name} (you)` }] : []), ...others.map((u) => ({ value: u.id, label: u.name }))];
  const current = assigneeId ?? '';
  const known = choices.find((c) => c.value === current);
  const shown = known?.label ?? users.find((u) => u.id === current)?.name ?? 'Another user';
  return (
    <InlineField
      label="Assignee"
      value={current}
      display={shown}
      options={known ? choices : [...choices, { value: current, label: shown }]}
      editable={editable}
      onEdit={onEdit}
      error={error}
      onSave={(v) => onSave(v || null)}
    />
  );
}
