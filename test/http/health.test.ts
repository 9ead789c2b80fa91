import type { AddressInfo } from 'node:net'
import t from 'tap'
import request from 'supertest'
import { buildApp } from '../../src/http/app.js'
import { configWith } from '../../src/config.js'
import { build } from '../helpers/build.js'

t.test('/healthz and /readyz answer 200 while serving', async (t) => {
  const app = await build(t)
  await request(app.server).get('/healthz').expect(200, { status: 'ok' })
  await request(app.server).get('/readyz').expect(200, { status: 'ready' })
})

t.test('/readyz answers 503 not-ready once the app is closing, /healthz stays 200', async (t) => {
  const app = buildApp(configWith())
  const seen: Array<{ ready: Response, health: Response }> = []
  // Runs after the app's own preClose hook, before the server stops listening: a probe arriving
  // while the service drains.
  app.addHook('preClose', async () => {
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    seen.push({ ready: await fetch(`${base}/readyz`), health: await fetch(`${base}/healthz`) })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.equal((await fetch(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/readyz`)).status, 200)
  await app.close()
  t.equal(seen.length, 1)
  t.equal(seen[0]!.ready.status, 503)
  t.match(seen[0]!.ready.headers.get('content-type'), /^application\/problem\+json/)
  t.match(await seen[0]!.ready.json(), { type: 'https://heapd.dev/problems/not-ready', status: 503 })
  t.equal(seen[0]!.health.status, 200)
})
