/**
 * `npm run openapi`: writes openapi/openapi.json from the routes' zod schemas, through the same
 * app the service runs (default configuration, so the file does not depend on the environment).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { buildApp } from '../src/http/app.js'
import { loadConfig } from '../src/config.js'

export const OPENAPI_FILE = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url))

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

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const document = await renderOpenApi()
  mkdirSync(dirname(OPENAPI_FILE), { recursive: true })
  writeFileSync(OPENAPI_FILE, document)
  console.log(`wrote ${OPENAPI_FILE} (${document.length} bytes)`)
}
