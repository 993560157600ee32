// `npm run codegen`: regenerates src/app/nexusApi.generated.ts from ../openapi.json (settings in
// openapi-config.cjs) and writes the file only when its content changes, so that an unchanged
// client keeps its timestamp and cargo does not rebuild the embedded UI for nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { generateEndpoints } from '@rtk-query/codegen-openapi';

const require = createRequire(import.meta.url);
const { outputFile, runtimeEnums = [], ...config } = require('../openapi-config.cjs');
// Without an output file the generator returns the code, importing the base API by its path from
// the working directory; the generated file sits next to it.
const endpoints = (await generateEndpoints({ ...config, outputFile: undefined })).replace('from "./src/app/emptyApi"', 'from "./emptyApi"');
const code = endpoints + enumLists(runtimeEnums);

/**
 * The generated types of enums exist only for the type checker; screens that list every value
 * (e.g. the entities that carry custom fields) read these arrays, so that a value added to the
 * API shows up after `npm run codegen` without a change to the UI.
 */
function enumLists(names) {
  if (!names.length) return '';
  const schemas = JSON.parse(readFileSync(new URL(config.schemaFile, new URL('../', import.meta.url)), 'utf8')).components.schemas;
  const lines = ['', '// Runtime lists of the enums named in openapi-config.cjs (`runtimeEnums`).'];
  for (const name of names) {
    const values = schemas[name]?.enum;
    if (!Array.isArray(values)) throw new Error(`codegen: ${name} is not an enum schema in ${config.schemaFile}`);
    const constName = name.charAt(0).toLowerCase() + name.slice(1) + 'Values';
    lines.push(`export const ${constName}: readonly ${name}[] = ${JSON.stringify(values)};`);
  }
  return lines.join('\n') + '\n';
}

let before = null;
try {
  before = readFileSync(outputFile, 'utf8');
} catch {
  // first generation
}
if (code === before) {
  console.log(`codegen: ${outputFile} unchanged`);
} else {
  writeFileSync(outputFile, code);
  console.log(`codegen: ${outputFile} updated`);
}
