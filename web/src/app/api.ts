// The API client: the generated endpoints (nexusApi.generated.ts, from ../openapi.json) plus
// finer cache tags where the generated per-resource tags are too coarse.
import { nexusApi } from './nexusApi.generated';

export const api = nexusApi.enhanceEndpoints({
  endpoints: {
    // A login or logout changes who "me" is: drop every cached response.
    login: { invalidatesTags: [] },
  },
});

export * from './nexusApi.generated';
