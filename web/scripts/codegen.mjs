// `npm run codegen`: regenerates src/app/nexusApi.generated.ts from ../openapi.json (settings in
// openapi-config.cjs) and writes the file only when its content changes, so that an unchanged
// client keeps its timestamp and cargo does not rebuild the embedded UI for nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { generateEndpoints } from '@rtk-query/codegen-openapi';

const require = createRequire(import.meta.url);
const { outputFile, ...config } = require('../openapi-config.cjs');
// Without an output file the generator returns the code, importing the base API by its path from
// the working directory; the generated file sits next to it.
const code = (await generateEndpoints({ ...config, outputFile: undefined })).replace('from "./src/app/emptyApi"', 'from "./emptyApi"');
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
