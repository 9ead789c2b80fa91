import t from 'tap'
import { build } from '../helpers/build.js'

// Overload shedding and readiness are both 503, with different problem types; the document says
// which one each operation can answer.

t.test('every /heaps* operation documents 503 overloaded and 429 with a Retry-After header; /readyz documents not-ready alone', async (t) => {
  const app = await build(t)
  const document = (await app.inject('/docs/json')).json()
  let operations = 0
  type Response = { description: string, content: object, headers?: Record<string, { schema: { type: string } }> }
  for (const [path, methods] of Object.entries<Record<string, { responses: Record<string, Response> }>>(document.paths)) {
    if (!path.startsWith('/heaps')) continue
    for (const [method, operation] of Object.entries(methods)) {
      const shed = operation.responses['503']
      t.match(shed?.description, /\(overloaded\)/, `${method} ${path}`)
      t.notMatch(shed?.description, /not-ready/, `${method} ${path}: an API route never answers not-ready`)
      t.ok(shed?.content && 'application/problem+json' in shed.content, `${method} ${path}: problem+json`)
      t.equal(shed?.headers?.['retry-after']?.schema.type, 'integer', `${method} ${path}: 503 declares Retry-After`)
      t.equal(operation.responses['429']?.headers?.['retry-after']?.schema.type, 'integer', `${method} ${path}: 429 declares Retry-After`)
      operations++
    }
  }
  t.ok(operations >= 12, `${operations} operations checked`)
  const notReady = document.paths['/readyz'].get.responses['503'] as Response
  t.match(notReady.description, /not-ready/)
  t.notMatch(notReady.description, /overloaded/, '/readyz is never shed')
  t.equal(notReady.headers, undefined)
})
