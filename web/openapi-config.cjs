// @rtk-query/codegen-openapi: generates the RTK Query endpoints from the committed OpenAPI
// document. `npm run codegen` rewrites src/app/nexusApi.generated.ts; commit the result.
/** @type {import('@rtk-query/codegen-openapi').ConfigFile} */
module.exports = {
  schemaFile: '../openapi.json',
  apiFile: './src/app/emptyApi.ts',
  apiImport: 'emptyApi',
  outputFile: './src/app/nexusApi.generated.ts',
  exportName: 'nexusApi',
  hooks: { queries: true, lazyQueries: true, mutations: true },
  tag: true,
  // Operations endpoints are for probes and Prometheus, not for the UI.
  // Enums whose values the UI iterates over at run time: exported as `<name>Values` arrays
  // (scripts/codegen.mjs appends them to the generated file).
  runtimeEnums: ['CustomFieldEntity', 'FieldType'],
  filterEndpoints: (name) => !['health', 'ready', 'metrics'].includes(name),
};
