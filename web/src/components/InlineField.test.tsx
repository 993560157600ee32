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
