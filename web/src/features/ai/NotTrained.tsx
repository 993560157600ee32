// What to show where an AI figure does not exist yet: why, and for administrators where to train.
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { Empty } from '../../components/ui';
import { useMe } from '../shell/AppShell';

export const MODELS_SETTINGS = '/settings?tab=ai-models';

export function NotTrained({ children }: { children: ReactNode }) {
  const me = useMe();
  return (
    <Empty>
      <p>{children}</p>
      {me?.role === 'admin' ? (
        <p className="mt-2">
          <Link to={MODELS_SETTINGS} className="font-medium text-indigo-700 underline">
            Train the models in Settings → AI models
          </Link>
        </p>
      ) : (
        <p className="mt-2">The models are retrained on a schedule; an administrator can also train them on demand.</p>
      )}
    </Empty>
  );
}
