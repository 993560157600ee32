import type { ReactNode } from 'react';
import { Provider } from 'react-redux';
import { MemoryRouter } from 'react-router-dom';
import { render } from '@testing-library/react';
import { makeStore } from '../app/store';
import { tokensReceived } from '../features/auth/authSlice';

/** A JSON response as the API would send it. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type, ...headers } });
}

/** A store with a signed-in session. */
export function signedInStore() {
  const store = makeStore();
  store.dispatch(tokensReceived({ accessToken: 'test-access', refreshToken: 'test-refresh' }));
  return store;
}

export function renderWithStore(ui: ReactNode, store = signedInStore()) {
  return { store, ...render(<Provider store={store}><MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>{ui}</MemoryRouter></Provider>) };
}
