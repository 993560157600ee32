import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { useLoginMutation } from '../../app/api';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { Button, FormError, TextField } from '../../components/ui';
import { formErrors } from '../../lib/problem';
import { tokensReceived } from './authSlice';

export function LoginPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [login, { isLoading, error }] = useLoginMutation();
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const location = useLocation();
  const token = useAppSelector((s) => s.auth.accessToken);
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  if (token) return <Navigate to={from} replace />;
  const errs = formErrors(error);
  const message = errs.status === 401 ? 'Wrong e-mail or password.' : errs.message;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const res = await login({ loginRequest: { email, password } });
    if ('data' in res && res.data) {
      dispatch(tokensReceived({ accessToken: res.data.access_token, refreshToken: res.data.refresh_token }));
      navigate(from, { replace: true });
    }
  }

  return (
    <main className="flex min-h-screen items-center justify-center bg-slate-100 p-4">
      <form onSubmit={submit} className="w-full max-w-sm space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow" aria-labelledby="login-title" noValidate>
        <div>
          <p className="text-sm font-semibold uppercase tracking-wide text-indigo-700">NEXUS CRM</p>
          <h1 id="login-title" className="text-2xl font-semibold">Sign in</h1>
        </div>
        <FormError message={message} />
        <TextField label="E-mail" type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} error={errs.fields.email} />
        <TextField label="Password" type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} error={errs.fields.password} />
        <Button type="submit" className="w-full" disabled={isLoading}>
          {isLoading ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
    </main>
  );
}
