// Session tokens. The pair lives in localStorage so a reload (or a second tab) stays logged in;
// the refresh token rotates on every refresh (see app/baseQuery.ts).
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';

export type Tokens = { accessToken: string; refreshToken: string };
export type AuthState = { accessToken: string | null; refreshToken: string | null };

export const STORAGE_KEY = 'nexus.session';

export function loadTokens(): AuthState {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (raw) {
      const v = JSON.parse(raw) as Partial<Tokens>;
      if (typeof v.accessToken === 'string' && typeof v.refreshToken === 'string') {
        return { accessToken: v.accessToken, refreshToken: v.refreshToken };
      }
    }
  } catch {
    // unreadable storage: start logged out
  }
  return { accessToken: null, refreshToken: null };
}

export function saveTokens(state: AuthState): void {
  try {
    if (state.accessToken && state.refreshToken) {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } else {
      localStorage.removeItem(STORAGE_KEY);
    }
  } catch {
    // private mode without storage: the session lasts as long as the page
  }
}

const authSlice = createSlice({
  name: 'auth',
  initialState: loadTokens,
  reducers: {
    tokensReceived(state, action: PayloadAction<Tokens>) {
      state.accessToken = action.payload.accessToken;
      state.refreshToken = action.payload.refreshToken;
    },
    loggedOut(state) {
      state.accessToken = null;
      state.refreshToken = null;
    },
  },
});

export const { tokensReceived, loggedOut } = authSlice.actions;
export const authReducer = authSlice.reducer;
