// List queries with custom-field filters (`cf.<key>=value`, docs/api.md "Custom fields"): the
// OpenAPI document cannot name query parameters by pattern, so the generated `listCustomers`
// drops them. This endpoint sends the generated arguments (camelCase → snake_case) plus every
// `cf.<key>` one, and shares the `customers` cache tag (live events refresh it as they do the
// generated list).
import { api, type ListCustomersApiArg, type ListCustomersApiResponse } from './api';

/** Custom-field filters by parameter name: `{ 'cf.tier': 'gold' }` (one value per key). */
export type CustomFilters = { [key: `cf.${string}`]: string };

/** The query parameters of list arguments: generated names in snake_case, `cf.<key>` as they are; empty ones left out. */
export function listParams(args: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(args)) {
    if (v === undefined || v === null || v === '') continue;
    out[k.startsWith('cf.') ? k : k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = String(v);
  }
  return out;
}

export type CustomerListArgs = ListCustomersApiArg & CustomFilters;

export const listsApi = api.injectEndpoints({
  endpoints: (build) => ({
    listCustomersFiltered: build.query<ListCustomersApiResponse, CustomerListArgs>({
      // The page size and cursor first, as the generated client sends them.
      query: ({ limit, cursor, ...rest }) => ({ url: '/api/v1/customers', params: listParams({ limit, cursor, ...rest }) }),
      providesTags: ['customers'],
    }),
  }),
});

export const { useListCustomersFilteredQuery } = listsApi;
