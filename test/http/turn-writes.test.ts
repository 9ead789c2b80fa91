import t, { type Test } from 'tap'
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { createServer as createHttpServer } from 'node:http'
import { setImmediate as nextTurn } from 'node:timers/promises'
import request from 'supertest'
import { SMALL_WRITE, TurnWrites, batchWritesPerTurn } from '../../src/http/turn-writes.js'
import { build } from '../helpers/build.js'

/** A connected pair: the server's side of the connection, and what its peer has received. */
async function connectedPair (t: Test): Promise<{ server: Socket, received: () => string }> {
  const listener: Server = createServer()
  listener.listen(0, '127.0.0.1')
  await once(listener, 'listening')
  const { port } = listener.address() as { port: number }
  const accepted = once(listener, 'connection')
  const peer = connect(port, '127.0.0.1')
  let text = ''
  peer.setEncoding('utf8').on('data', (chunk: string) => { text += chunk })
  const [server] = await accepted as [Socket]
  t.teardown(() => { peer.destroy(); server.destroy(); listener.close() })
  return { server, received: () => text }
}

async function until (condition: () => boolean, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not come true within 10 s`)
    await nextTurn()
  }
}

t.test('small writes wait for the end of the turn, then leave in order', async (t) => {
  const writes = new TurnWrites()
  const { server, received } = await connectedPair(t)
  writes.attach(server)
  server.write('one,')
  server.write('two,')
  server.cork()
  server.write('three,')
  server.write('four')
  server.uncork()
  t.equal(server.writableLength, 'one,two,three,four'.length, 'every byte is still queued while the turn runs')
  await nextTurn()
  t.equal(server.writableLength, 0, 'written by the end of the turn')
  await until(() => received().length === 18)
  t.equal(received(), 'one,two,three,four')
})

t.test('a large write, single or gathered, leaves at once', async (t) => {
  const writes = new TurnWrites()
  const { server, received } = await connectedPair(t)
  writes.attach(server)
  const large = 'x'.repeat(SMALL_WRITE + 1)
  server.write(large)
  t.equal(server.writableLength, 0, 'a single large write is not deferred')
  server.cork()
  server.write('y'.repeat(SMALL_WRITE / 2))
  server.write('z'.repeat(SMALL_WRITE / 2 + 1))
  server.uncork()
  t.equal(server.writableLength, 0, 'nor is a gathered one larger than SMALL_WRITE in all')
  await until(() => received().length === 2 * SMALL_WRITE + 2)
  t.equal(received(), large + 'y'.repeat(SMALL_WRITE / 2) + 'z'.repeat(SMALL_WRITE / 2 + 1))
})

t.test('a socket closed before the end of the turn has its write fail quietly', async (t) => {
  const writes = new TurnWrites()
  const { server } = await connectedPair(t)
  writes.attach(server)
  const errors: Error[] = []
  server.on('error', (error) => { errors.push(error) })
  let callbackError: Error | null | undefined
  server.write('late', (error) => { callbackError = error })
  server.destroy()
  await nextTurn()
  await nextTurn()
  t.ok(callbackError instanceof Error, 'the write reports that the socket is gone')
  t.same(errors, [], 'and nothing is thrown or emitted beyond that')
})

t.test('a write that throws ends its own socket, and the turn\'s other writes still leave', async (t) => {
  const writes = new TurnWrites()
  const broken = await connectedPair(t)
  const sound = await connectedPair(t)
  writes.attach(broken.server)
  writes.attach(sound.server)
  const failure = new Error('the write failed')
  Object.assign(broken.server, { _writeGeneric: () => { throw failure } })
  const errors: Error[] = []
  broken.server.on('error', (error) => { errors.push(error) })
  broken.server.write('lost')
  sound.server.write('kept')
  await nextTurn()
  await until(() => sound.received() === 'kept', 'the sound socket\'s write')
  t.ok(broken.server.destroyed, 'the socket whose write threw is destroyed')
  t.same(errors, [failure], 'with that error')
})

t.test('an app answers over real connections with its writes batched: many at once, and pipelined in order', async (t) => {
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const created = await request(app.server).post('/heaps').send({ size: 1 << 20 }).expect(201)
  const id = created.body.id as string
  const answers = await Promise.all(Array.from({ length: 40 }, async () =>
    await request(app.server).post(`/heaps/${id}/alloc`).send({ size: 16 }).expect(201)))
  const pointers = answers.map((answer) => answer.body.ptr as number).sort((a, b) => a - b)
  t.same(pointers, Array.from({ length: 40 }, (_, i) => i * 16), 'every answer arrived, each with its own block')
  const document = await request(app.server).get('/docs/json').expect(200)
  t.ok(JSON.stringify(document.body).length > SMALL_WRITE, 'a large answer arrives whole too')

  // Two requests written at once on one connection: the answers come back in the order asked.
  const { port } = app.server.address() as { port: number }
  const socket = connect(port, '127.0.0.1')
  t.teardown(() => { socket.destroy() })
  let text = ''
  socket.setEncoding('utf8').on('data', (chunk: string) => { text += chunk })
  const body = JSON.stringify({ size: 8 })
  const alloc = `POST /heaps/${id}/alloc HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`
  socket.write(alloc + `GET /heaps/${id}/stats HTTP/1.1\r\nhost: x\r\n\r\n`)
  await until(() => /"failedAllocs":\d+}$/.test(text), 'the two answers')
  t.match(text, /^HTTP\/1\.1 201 Created\r\n[^]*\{"ptr":\d+,"size":8\}HTTP\/1\.1 200 OK\r\n[^]*"liveBlocks":4[01],/,
    'the alloc is answered first, then the stats asked after it')
})

t.test('batchWritesPerTurn attaches to every connection of a server', async (t) => {
  const server = createHttpServer((_request, response) => { response.end('ok') })
  const writes = batchWritesPerTurn(server)
  t.type(writes, TurnWrites)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.close() })
  let sockets = 0
  server.on('connection', (socket: Socket) => { sockets++; t.not(socket._write, Object.getPrototypeOf(socket)._write, 'the socket has its own write') })
  const answer = await request(server).get('/').expect(200)
  t.equal(answer.text, 'ok')
  t.equal(sockets, 1)
})
