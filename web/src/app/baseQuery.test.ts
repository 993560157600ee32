import { api } from './api';
import { makeStore } from './store';
import { tokensReceived } from '../features/auth/authSlice';
import { json } from '../test/utils';

const me = { id: 'u1', email: 'a@b.c', name: 'Ada', role: 'admin', active: true, version: 1, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' };

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

describe('silent token refresh', () => {
  it('refreshes once on 401, rotates the pair and retries every waiting request', async () => {
    const calls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (req: Request) => {
        const path = new URL(req.url).pathname;
        const auth = req.headers.get('authorization');
        calls.push(`${path} ${auth ?? ''}`);
        if (path === '/api/v1/auth/refresh') {
          const body = (await req.json()) as { refresh_token: string };
          expect(body.refresh_token).toBe('r1');
          return json(200, { access_token: 'a2', refresh_token: 'r2', token_type: 'Bearer', expires_in: 60 });
        }
        if (auth !== 'Bearer a2') return json(401, { type: 'x', title: 'Unauthorized', status: 401, detail: 'expired', code: 'invalid_token' });
        return json(200, path.endsWith('/me') ? me : { data: [], next_cursor: null });
      }),
    );
    const store = makeStore();
    store.dispatch(tokensReceived({ accessToken: 'a1', refreshToken: 'r1' }));
    const [a, b] = await Promise.all([store.dispatch(api.endpoints.me.initiate()), store.dispatch(api.endpoints.listTeams.initiate({}))]);
    expect(a.data?.name).toBe('Ada');
    expect(b.data?.data).toEqual([]);
    expect(calls.filter((c) => c.startsWith('/api/v1/auth/refresh'))).toHaveLength(1);
    expect(store.getState().auth).toEqual({ accessToken: 'a2', refreshToken: 'r2' });
    expect(JSON.parse(localStorage.getItem('nexus.session') ?? '{}')).toEqual({ accessToken: 'a2', refreshToken: 'r2' });
  });

  it('logs out when the refresh token is refused', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json(401, { type: 'x', title: 'Unauthorized', status: 401, detail: 'revoked', code: 'invalid_token' })),
    );
    const store = makeStore();
    store.dispatch(tokensReceived({ accessToken: 'a1', refreshToken: 'r1' }));
    const res = await store.dispatch(api.endpoints.me.initiate());
    expect(res.error).toBeTruthy();
    expect(store.getState().auth.accessToken).toBeNull();
  });
});

describe('signed out', () => {
  it('does not call the server without a token', async () => {
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    const store = makeStore();
    const res = await store.dispatch(api.endpoints.me.initiate());
    expect(res.error).toMatchObject({ status: 401 });
    expect(fetch).not.toHaveBeenCalled();
  });
});
