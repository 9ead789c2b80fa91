/**
 * The yardstick of `npm run bench:http`: a bare Fastify 5 app with one POST route that takes the
 * alloc body ({size}), validates it with a JSON schema and answers a small JSON 201 with a
 * Location, like POST /heaps/:id/alloc does, but with no allocator, registry or zod behind it.
 */
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'

export async function buildBareApp (): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  let next = 0
  app.post('/alloc', {
    schema: {
      body: {
        type: 'object',
        properties: { size: { type: 'integer', minimum: 1 } },
        required: ['size'],
        additionalProperties: false
      }
    }
  }, async (request, reply) => {
    const { size } = request.body as { size: number }
    const ptr = next
    next += size
    return reply.code(201).header('location', `/alloc/${ptr}`).send({ ptr, size })
  })
  return app
}
