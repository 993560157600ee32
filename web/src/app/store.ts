import { configureStore } from '@reduxjs/toolkit';
import { setupListeners } from '@reduxjs/toolkit/query';
import { emptyApi } from './emptyApi';
import { authReducer, saveTokens, STORAGE_KEY, loadTokens, tokensReceived, loggedOut } from '../features/auth/authSlice';
import { etagReducer } from './etagSlice';

export function makeStore() {
  const store = configureStore({
    reducer: {
      auth: authReducer,
      etags: etagReducer,
      [emptyApi.reducerPath]: emptyApi.reducer,
    },
    middleware: (getDefault) => getDefault().concat(emptyApi.middleware),
  });
  setupListeners(store.dispatch);
  let last = store.getState().auth;
  store.subscribe(() => {
    const auth = store.getState().auth;
    if (auth !== last) {
      last = auth;
      saveTokens(auth);
      if (!auth.accessToken) store.dispatch(emptyApi.util.resetApiState());
    }
  });
  // Another tab logged in, refreshed or logged out.
  if (typeof window !== 'undefined') {
    window.addEventListener('storage', (e) => {
      if (e.key !== STORAGE_KEY) return;
      const t = loadTokens();
      if (t.accessToken && t.refreshToken) {
        store.dispatch(tokensReceived({ accessToken: t.accessToken, refreshToken: t.refreshToken }));
      } else {
        store.dispatch(loggedOut());
      }
    });
  }
  return store;
}

export type AppStore = ReturnType<typeof makeStore>;
export type RootState = ReturnType<AppStore['getState']>;
export type AppDispatch = AppStore['dispatch'];
