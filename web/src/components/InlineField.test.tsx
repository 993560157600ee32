import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { InlineField } from './InlineField';

it('edits in place from the keyboard: Enter saves, Escape cancels', async () => {
  const onSave = vi.fn(async () => true);
  const user = userEvent.setup();
  render(
    <dl>
      <InlineField label="Phone" value="+33 1 23" editable onSave={onSave} />
    </dl>,
  );
  await user.click(screen.getByRole('button', { name: 'Edit phone' }));
  const input = screen.getByLabelText('Phone');
  expect(input).toHaveFocus();
  await user.clear(input);
  await user.type(input, '+33 9 87{Enter}');
  expect(onSave).toHaveBeenCalledWith('+33 9 87');
  expect(screen.getByRole('button', { name: 'Edit phone' })).toHaveFocus();

  await user.click(screen.getByRole('button', { name: 'Edit phone' }));
  await user.type(screen.getByLabelText('Phone'), 'junk{Escape}');
  expect(onSave).toHaveBeenCalledTimes(1);
  expect(screen.queryByLabelText('Phone')).not.toBeInTheDocument();
});

it('keeps the editor open with the server message when saving fails', async () => {
  const user = userEvent.setup();
  const { rerender } = render(
    <dl>
      <InlineField label="E-mail" value="a@b.c" editable onSave={async () => false} />
    </dl>,
  );
  await user.click(screen.getByRole('button', { name: 'Edit e-mail' }));
  await user.type(screen.getByLabelText('E-mail'), 'x{Enter}');
  rerender(
    <dl>
      <InlineField label="E-mail" value="a@b.c" editable error="is not a valid e-mail address" onSave={async () => false} />
    </dl>,
  );
  expect(screen.getByLabelText('E-mail')).toHaveAccessibleDescription('is not a valid e-mail address');
});

it('edits a multi-line text in a labelled text area: Enter starts a line, Ctrl+Enter saves', async () => {
  const onSave = vi.fn(async () => true);
  const user = userEvent.setup();
  render(
    <dl>
      <InlineField label="Details" value="First line" multiline editable onSave={onSave} />
    </dl>,
  );
  await user.click(screen.getByRole('button', { name: 'Edit details' }));
  const area = screen.getByRole('textbox', { name: 'Details' });
  expect(area.tagName).toBe('TEXTAREA');
  expect(area).toHaveFocus();
  expect(area).toHaveAccessibleDescription(/Ctrl\+Enter .*saves/);
  await user.type(area, '{Enter}Second line');
  expect(onSave).not.toHaveBeenCalled();
  await user.keyboard('{Control>}{Enter}{/Control}');
  expect(onSave).toHaveBeenCalledWith('First line\nSecond line');
  expect(screen.getByRole('button', { name: 'Edit details' })).toHaveFocus();
});

it('shows the text of each choice of a select and saves its value', async () => {
  const onSave = vi.fn(async () => true);
  const user = userEvent.setup();
  render(
    <dl>
      <InlineField label="Assignee" value="" options={[{ value: '', label: 'Unassigned' }, { value: 'u2', label: 'Grace Hopper' }]} editable onSave={onSave} />
    </dl>,
  );
  await user.click(screen.getByRole('button', { name: 'Edit assignee' }));
  await user.selectOptions(screen.getByRole('combobox', { name: 'Assignee' }), 'Grace Hopper');
  await user.click(screen.getByRole('button', { name: 'Save' }));
  expect(onSave).toHaveBeenCalledWith('u2');
});
