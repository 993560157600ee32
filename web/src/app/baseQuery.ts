// The base query of every generated endpoint: bearer token, silent refresh on 401 (one refresh
// at a time, across tabs too, because refresh tokens rotate and a replayed one revokes the whole
// session), and ETag capture.
import {
  fetchBaseQuery,
  type BaseQueryFn,
  type FetchArgs,
  type FetchBaseQueryError,
} from '@reduxjs/toolkit/query/react';
import { loggedOut, loadTokens, tokensReceived } from '../features/auth/authSlice';
import type { TokenResponse } from './nexusApi.generated';
import { etagSeen } from './etagSlice';

type State = { auth: { accessToken: string | null; refreshToken: string | null } };

const raw = fetchBaseQuery({
  // Same origin: the UI is served by the API server (an absolute base also works under test).
  baseUrl: typeof location !== 'undefined' ? location.origin : '',
  prepareHeaders: (headers, { getState }) => {
    const token = (getState() as State).auth.accessToken;
    if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    return headers;
  },
});

/**
 * Request arguments as the generated endpoints build them: optional header parameters are typed
 * `string | null` in the OpenAPI document, so null and undefined headers are dropped here.
 */
export type Args = string | (Omit<FetchArgs, 'headers'> & { headers?: Record<string, string | number | boolean | null | undefined> });

function toFetchArgs(args: Args): string | FetchArgs {
  if (typeof args === 'string' || !args.headers) return args as string | FetchArgs;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(args.headers)) {
    if (v !== null && v !== undefined) headers[k] = String(v);
  }
  return { ...args, headers };
}

function urlOf(args: string | FetchArgs): string {
  const url = typeof args === 'string' ? args : args.url;
  return url.split('?')[0] ?? url;
}

const NO_REFRESH = ['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/logout'];
/** Endpoints that work without an access token. */
const PUBLIC = ['/api/v1/auth/login', '/api/v1/auth/refresh'];

let inFlight: Promise<boolean> | null = null;

/** Runs `f` under a cross-tab lock when the browser has one (Web Locks API). */
async function exclusive<T>(f: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? locks.request('nexus-token-refresh', f) : f();
}

async function refresh(
  failedToken: string | null,
  api: Parameters<BaseQueryFn>[1],
  extra: object,
): Promise<boolean> {
  return exclusive(async () => {
    // Another tab may have rotated the pair while we waited: adopt it instead of replaying ours.
    const stored = loadTokens();
    if (stored.accessToken && stored.refreshToken && stored.accessToken !== failedToken) {
      api.dispatch(
        tokensReceived({ accessToken: stored.accessToken, refreshToken: stored.refreshToken }),
      );
      return true;
    }
    const refreshToken = (api.getState() as State).auth.refreshToken;
    if (!refreshToken) return false;
    const res = await raw(
      { url: '/api/v1/auth/refresh', method: 'POST', body: { refresh_token: refreshToken } },
      api,
      extra,
    );
    if (res.data) {
      const t = res.data as TokenResponse;
      api.dispatch(tokensReceived({ accessToken: t.access_token, refreshToken: t.refresh_token }));
      return true;
    }
    api.dispatch(loggedOut());
    return false;
  });
}

export const baseQuery: BaseQueryFn<Args, unknown, FetchBaseQueryError> = async (
  input,
  api,
  extra,
) => {
  const args = toFetchArgs(input);
  const token = (api.getState() as State).auth.accessToken;
  const url = urlOf(args);
  if (!token && !PUBLIC.includes(url)) {
    // Signed out (queries of a screen being torn down re-subscribe after the cache reset):
    // nothing to ask the server.
    return { error: { status: 401, data: { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'You are signed out.', code: 'signed_out' } } };
  }
  let result = await raw(args, api, extra);
  if (result.error?.status === 401 && token && !NO_REFRESH.includes(url)) {
    inFlight ??= refresh(token, api, extra as object).finally(() => {
      inFlight = null;
    });
    if (await inFlight) result = await raw(args, api, extra);
  }
  const etag = result.meta?.response?.headers.get('etag');
  if (etag) api.dispatch(etagSeen({ url, etag }));
  return result;
};
