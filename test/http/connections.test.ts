/**
 * heapd over real connections, spoken to through a raw socket: pipelined requests answered in
 * order, and every malformed request answered with its status line (400, 408, 413, 414, 431) and a
 * problem+json body, never a connection closed without a word.
 */
import { connect } from 'node:net'
import t, { type Test } from 'tap'
import type { App } from '../../src/http/app.js'
import type { ConfigOverrides } from '../../src/config.js'
import { build, createHeap } from '../helpers/build.js'

async function listening (t: Test, overrides: ConfigOverrides = {}): Promise<{ app: App, port: number }> {
  const app = await build(t, overrides)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, port: (app.server.address() as { port: number }).port }
}

/** Writes `text` on a new connection and answers all the server sent until it closed (or `until` said enough). */
async function exchange (port: number, text: string | string[], until?: (received: string) => boolean): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      received += chunk
      if (until?.(received) === true) {
        socket.destroy()
        resolve(received)
      }
    })
    socket.on('close', () => { resolve(received) })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may close while the rest of an oversized request is still being written.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') resolve(received)
      else reject(error)
    })
    for (const part of Array.isArray(text) ? text : [text]) socket.write(part, 'latin1')
  })
}

/** The status line, headers and parsed body of the first answer in `raw`. */
function firstAnswer (raw: string): { statusLine: string, headers: Record<string, string>, body: Record<string, unknown> | undefined } {
  const end = raw.indexOf('\r\n\r\n')
  const [statusLine, ...headerLines] = raw.slice(0, end).split('\r\n')
  const headers = Object.fromEntries(headerLines.map((line) => {
    const colon = line.indexOf(':')
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]
  }))
  const length = Number(headers['content-length'] ?? 0)
  const text = raw.slice(end + 4, end + 4 + length)
  return { statusLine: statusLine!, headers, body: text === '' ? undefined : JSON.parse(text) as Record<string, unknown> }
}

function expectProblemAnswer (t: Test, raw: string, statusLine: string, code: string): Record<string, unknown> {
  const answer = firstAnswer(raw)
  t.equal(answer.statusLine, statusLine, `status line: ${statusLine}`)
  t.match(answer.headers['content-type'], /^application\/problem\+json/, 'problem+json')
  t.match(answer.body, { type: `https://heapd.dev/problems/${code}`, status: Number(statusLine.split(' ')[1]), title: String, detail: String })
  return answer.body!
}

t.test('pipelined requests on one connection are answered in the order asked', async (t) => {
  const { app, port } = await listening(t)
  const heap = await createHeap(app, { size: 1 << 20 })
  const body = JSON.stringify({ size: 8 })
  const alloc = `POST /heaps/${heap.id}/alloc HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`
  const text = await exchange(port, alloc + `GET /heaps/${heap.id}/stats HTTP/1.1\r\nhost: x\r\n\r\n`, (received) => /"failedAllocs":\d+}$/.test(received))
  t.match(text, /^HTTP\/1\.1 201 Created\r\n[^]*\{"ptr":0,"size":8\}HTTP\/1\.1 200 OK\r\n[^]*"liveBlocks":1,/,
    'the alloc is answered first, then the stats asked after it')
})

t.test('a request line that is not HTTP answers 400', async (t) => {
  const { port } = await listening(t)
  const problem = expectProblemAnswer(t, await exchange(port, 'THIS IS NOT HTTP\r\n\r\n'), 'HTTP/1.1 400 Bad Request', 'validation-error')
  t.match(problem.detail, /not a valid HTTP request/)
})

t.test('two Content-Length headers answer 400', async (t) => {
  const { port } = await listening(t)
  const raw = await exchange(port, 'POST /heaps HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}')
  expectProblemAnswer(t, raw, 'HTTP/1.1 400 Bad Request', 'validation-error')
})

t.test('headers larger than the server takes answer 431', async (t) => {
  const { port } = await listening(t)
  const raw = await exchange(port, `GET /heaps HTTP/1.1\r\nhost: x\r\nx-filler: ${'a'.repeat(20 * 1024)}\r\n\r\n`)
  const problem = expectProblemAnswer(t, raw, 'HTTP/1.1 431 Request Header Fields Too Large', 'headers-too-large')
  t.match(problem.detail, /headers/)
})

t.test('a path parameter longer than the router takes answers 414', async (t) => {
  const { port } = await listening(t)
  const raw = await exchange(port, `GET /heaps/${'a'.repeat(500)} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`)
  expectProblemAnswer(t, raw, 'HTTP/1.1 414 URI Too Long', 'uri-too-long')
})

t.test('a body over the limit answers 413 naming the limit in bytes, declared or streamed', async (t) => {
  const { app, port } = await listening(t, { limits: { bodyLimit: 1024 } })
  const heap = await createHeap(app)
  const body = JSON.stringify({ ops: Array.from({ length: 200 }, () => ({ op: 'alloc', size: 1 })) })
  const declared = await exchange(port, `POST /heaps/${heap.id}/batch HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`)
  const problem = expectProblemAnswer(t, declared, 'HTTP/1.1 413 Payload Too Large', 'payload-too-large')
  t.match(problem, { limit: 'bodyLimit', limitValue: 1024, detail: /1024 bytes/ })

  const chunked = await exchange(port, `POST /heaps/${heap.id}/batch HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n` +
    `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`)
  t.match(expectProblemAnswer(t, chunked, 'HTTP/1.1 413 Payload Too Large', 'payload-too-large'), { limit: 'bodyLimit', limitValue: 1024 })
  t.equal(app.registry.get(heap.id).stats().liveBlocks, 0, 'nothing was allocated')
})

t.test('a request that does not arrive in time answers 408', async (t) => {
  const { port } = await listening(t, { requestTimeout: 300 })
  // Headers, then silence: the body announced never comes.
  const raw = await exchange(port, 'POST /heaps HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{')
  const problem = expectProblemAnswer(t, raw, 'HTTP/1.1 408 Request Timeout', 'request-timeout')
  t.match(problem.detail, /300 ms/)
})
