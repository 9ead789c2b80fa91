import { readFileSync } from 'node:fs'
import t from 'tap'
import { compileErrors, validate } from '@readme/openapi-parser'
import { OPENAPI_FILE, renderOpenApi } from '../../scripts/openapi.js'
import { build } from '../helpers/build.js'

interface Operation {
  operationId?: string
  summary?: string
  description?: string
  tags?: string[]
  requestBody?: { content: Record<string, { example?: unknown, schema?: unknown }> }
  responses: Record<string, { description?: string, content?: Record<string, unknown> }>
}

const generated = await renderOpenApi()
const document = JSON.parse(generated) as { openapi: string, servers: Array<{ url: string }>, paths: Record<string, Record<string, Operation>> }

t.test('the committed openapi/openapi.json is what the schemas produce (run `npm run openapi`)', async (t) => {
  t.equal(readFileSync(OPENAPI_FILE, 'utf8'), generated)
})

t.test('the document is valid OpenAPI 3.1', async (t) => {
  t.equal(document.openapi, '3.1.0')
  const result = await validate(JSON.parse(generated))
  t.ok(result.valid, result.valid ? 'valid' : compileErrors(result))
})

t.test('every route of the design is documented, with id, summary, description, tags and typed errors', async (t) => {
  const expected = [
    'post /heaps', 'get /heaps', 'get /heaps/{id}', 'delete /heaps/{id}', 'post /heaps/{id}/alloc', 'get /heaps/{id}/blocks',
    'get /heaps/{id}/blocks/{ptr}', 'patch /heaps/{id}/blocks/{ptr}', 'delete /heaps/{id}/blocks/{ptr}', 'post /heaps/{id}/batch',
    'get /heaps/{id}/stats', 'get /heaps/{id}/layout', 'post /heaps/{id}/reset', 'get /healthz', 'get /readyz',
    'get /heaps/{id}/trace', 'post /replays',
    'post /heaps/{id}/defrag', 'get /heaps/{id}/defrag/{planId}', 'post /heaps/{id}/defrag/{planId}/commit', 'delete /heaps/{id}/defrag/{planId}'
  ]
  const documented = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
  t.same(documented.sort(), expected.sort())
  const ids = new Set<string>()
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const where = `${method} ${path}`
      t.ok(operation.operationId, `${where}: operationId`)
      ids.add(operation.operationId!)
      t.ok(operation.summary, `${where}: summary`)
      t.ok(operation.description, `${where}: description`)
      t.ok(operation.tags?.length, `${where}: tags`)
      for (const [status, response] of Object.entries(operation.responses)) {
        t.ok(response.description && response.description !== 'Default Response', `${where} ${status}: described`)
        if (Number(status) >= 400) t.ok(response.content?.['application/problem+json'], `${where} ${status}: problem+json`)
      }
      if (operation.requestBody !== undefined) {
        t.ok(operation.requestBody.content['application/json'], `${where}: JSON body`)
      }
      if (path.startsWith('/heaps/{id}')) t.ok(operation.responses['404'], `${where}: 404 documented`)
    }
  }
  t.equal(ids.size, expected.length, 'operationIds are unique')
  for (const route of ['post /heaps', 'post /heaps/{id}/alloc', 'post /heaps/{id}/batch']) {
    const [method, path] = route.split(' ') as [string, string]
    t.ok(document.paths[path]![method]!.requestBody!.content['application/json']!.example, `${route}: example body`)
  }
  t.same(document.servers, [{ url: '/' }], 'relative server: Try it out calls the service it is served by')
})

t.test('Swagger UI at /docs and the live document at /docs/json', async (t) => {
  const app = await build(t)
  const ui = await app.inject('/docs/')
  t.equal(ui.statusCode, 200)
  t.match(ui.headers['content-type'], /text\/html/)
  const live = await app.inject('/docs/json')
  t.equal(live.statusCode, 200)
  t.same(live.json(), JSON.parse(generated))
})
