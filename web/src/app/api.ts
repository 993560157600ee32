// The API client: the generated endpoints (nexusApi.generated.ts, from ../openapi.json) plus
// finer cache tags where the generated per-resource tags are too coarse.
import { nexusApi } from './nexusApi.generated';

export const api = nexusApi.enhanceEndpoints({
  endpoints: {
    // Signing in or out must not refetch "me": the store resets the whole cache when the
    // session changes, and after a logout a refetch would only meet a revoked token.
    login: { invalidatesTags: [] },
    logout: { invalidatesTags: [] },
    // A customer's insights follow its activities (sentiment) and transactions (value), whose
    // live events invalidate `customers`; a training run invalidates `ai`.
    customerInsights: { providesTags: ['ai', 'customers'] },
  },
});

export * from './nexusApi.generated';
