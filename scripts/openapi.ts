/**
 * `npm run openapi`: writes openapi/openapi.json from the routes' zod schemas, through the same
 * app the service runs (default configuration, so the file does not depend on the environment).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import { buildApp } from '../src/http/app.js'
import { loadConfig } from '../src/config.js'

export const OPENAPI_FILE = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url))
export const CLIENT_TYPES_FILE = fileURLToPath(new URL('../src/client/openapi.generated.ts', import.meta.url))

/** The OpenAPI document as committed: pretty JSON with a final newline. */
export async function renderOpenApi (): Promise<string> {
  const app = buildApp(loadConfig({}))
  try {
    await app.ready()
    return JSON.stringify(app.swagger(), null, 2) + '\n'
  } finally {
    await app.close()
  }
}

/** The TypeScript client's types, generated from the OpenAPI document by openapi-typescript. */
export async function renderClientTypes (document: string): Promise<string> {
  const header = '// Generated from openapi/openapi.json by `npm run openapi` (openapi-typescript): do not edit.\n\n'
  return header + astToString(await openapiTS(JSON.parse(document)))
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const document = await renderOpenApi()
  mkdirSync(dirname(OPENAPI_FILE), { recursive: true })
  writeFileSync(OPENAPI_FILE, document)
  console.log(`wrote ${OPENAPI_FILE} (${document.length} bytes)`)
  const types = await renderClientTypes(document)
  writeFileSync(CLIENT_TYPES_FILE, types)
  console.log(`wrote ${CLIENT_TYPES_FILE} (${types.length} bytes)`)
}
