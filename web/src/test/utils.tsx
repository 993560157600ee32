import type { ReactNode } from 'react';
import { Provider } from 'react-redux';
import { MemoryRouter, Routes } from 'react-router-dom';
import { render, within } from '@testing-library/react';
import { makeStore } from '../app/store';
import { tokensReceived } from '../features/auth/authSlice';
import type { Role } from '../app/nexusApi.generated';

/** A JSON response as the API would send it. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type, ...headers } });
}

/** One entry of a problem's `errors`: the JSON path of the input, a code and a message. */
export type FieldProblem = { field: string; code: string; message: string };

/** An RFC 9457 refusal as the API would send it, e.g. a 422 `validation_failed` naming fields. */
export function problem(status: number, code: string, errors: FieldProblem[] = []): Response {
  return json(status, { type: 'about:blank', title: 'Refused', status, detail: 'refused by the test', code, errors });
}

/** The shown value of a row of a panel or card (a `<dt>` and its `<dd>`), by its label. */
export function shown(container: HTMLElement, label: string): string | null | undefined {
  return within(container).getAllByText(label).find((e) => e.tagName === 'DT')?.nextElementSibling?.textContent;
}

/** A store with a signed-in session. */
export function signedInStore() {
  const store = makeStore();
  store.dispatch(tokensReceived({ accessToken: 'test-access', refreshToken: 'test-refresh' }));
  return store;
}

const FUTURE = { v7_startTransition: true, v7_relativeSplatPath: true };

export function renderWithStore(ui: ReactNode, store = signedInStore()) {
  return { store, ...render(<Provider store={store}><MemoryRouter future={FUTURE}>{ui}</MemoryRouter></Provider>) };
}

/** Renders `routes` (`<Route>` elements, or a fragment of them) opened at the address `at`, signed in. */
export function renderRoutes(at: string, routes: ReactNode, store = signedInStore()) {
  return {
    store,
    ...render(
      <Provider store={store}>
        <MemoryRouter initialEntries={[at]} future={FUTURE}>
          <Routes>{routes}</Routes>
        </MemoryRouter>
      </Provider>,
    ),
  };
}

type Handler = (req: Request, url: URL) => Response | Promise<Response>;

/**
 * Stubs `fetch` with a tiny API: `handlers` maps "GET /api/v1/path" to an answer; anything else
 * answers 404. Returns the requests seen, as "METHOD /path?query".
 */
export function serve(handlers: Record<string, Handler>): string[] {
  const calls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (req: Request) => {
      const url = new URL(req.url);
      calls.push(`${req.method} ${url.pathname}${url.search}`);
      const h = handlers[`${req.method} ${url.pathname}`];
      if (h) return h(req, url);
      return json(404, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no such thing', code: 'not_found' });
    }),
  );
  return calls;
}

/** The signed-in user as GET /api/v1/auth/me answers it. */
export function me(role: Role) {
  return json(200, { id: 'user-1', email: `${role}@example.com`, name: `A ${role}`, role, active: true, version: 1, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' });
}
