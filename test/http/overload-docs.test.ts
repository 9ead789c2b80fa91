import t from 'tap'
import { build } from '../helpers/build.js'

// Overload shedding and readiness are both 503, with different problem types; the document says
// which one each operation can answer.

t.test('every /heaps* operation documents 503 overloaded with Retry-After; /readyz documents not-ready', async (t) => {
  const app = await build(t)
  const document = (await app.inject('/docs/json')).json()
  let operations = 0
  for (const [path, methods] of Object.entries<Record<string, { responses: Record<string, { description: string, content: object }> }>>(document.paths)) {
    if (!path.startsWith('/heaps')) continue
    for (const [method, operation] of Object.entries(methods)) {
      const shed = operation.responses['503']
      t.match(shed?.description, /\(overloaded, with Retry-After/, `${method} ${path}`)
      t.ok(shed?.content && 'application/problem+json' in shed.content, `${method} ${path}: problem+json`)
      operations++
    }
  }
  t.ok(operations >= 12, `${operations} operations checked`)
  t.match(document.paths['/readyz'].get.responses['503'].description, /not-ready/)
})
