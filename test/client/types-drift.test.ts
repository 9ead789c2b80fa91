/**
 * The client's types are the OpenAPI document's: src/client/openapi.generated.ts is what
 * openapi-typescript makes of the committed openapi/openapi.json (`npm run openapi` writes both).
 */
import { readFileSync } from 'node:fs'
import t from 'tap'
import { CLIENT_TYPES_FILE, OPENAPI_FILE, renderClientTypes } from '../../scripts/openapi.js'

t.test('the committed client types are generated from the committed openapi.json (run `npm run openapi`)', async (t) => {
  const expected = await renderClientTypes(readFileSync(OPENAPI_FILE, 'utf8'))
  t.equal(readFileSync(CLIENT_TYPES_FILE, 'utf8'), expected)
})
