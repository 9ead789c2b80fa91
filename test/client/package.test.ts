/**
 * `heapd/client` as a package export, built with the rest: it resolves to dist/client, works
 * against the service, and loads nothing of the server's code at run time.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ensureBuilt, ROOT } from '../helpers/built-server.js'
import { startServer } from './live-server.js'

t.test('import "heapd/client" from the build, and use it', async (t) => {
  ensureBuilt()
  // A specifier in a variable: the type check of the tests must not need dist/ to exist.
  const specifier = 'heapd/client'
  const { HeapdClient, HeapdError } = await import(specifier) as typeof import('../../src/client/index.js')
  const server = await startServer(t)
  const client = new HeapdClient({ baseUrl: server.url })
  const heap = await client.createHeap({ size: 64 })
  await t.rejects(client.alloc(heap.id, { size: 65 }), HeapdError)
})

t.test('the built client imports only its own files and openapi-fetch', async (t) => {
  ensureBuilt()
  const dir = join(ROOT, 'dist', 'client')
  const files = readdirSync(dir).filter((name) => name.endsWith('.js'))
  t.ok(files.includes('index.js'))
  for (const file of files) {
    const source = readFileSync(join(dir, file), 'utf8')
    const specifiers = [...source.matchAll(/^(?:import|export)\b[^;]*?from\s+'([^']+)'/gm)].map((match) => match[1]!)
    for (const specifier of specifiers) {
      t.ok(specifier === 'openapi-fetch' || /^\.\/[\w.-]+\.js$/.test(specifier), `${file} imports ${specifier}`)
    }
  }
})
