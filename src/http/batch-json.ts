/**
 * The batch route's 200 answer as JSON, written field by field: for a thousand results it took a
 * third of the time JSON.stringify did (Node 20), and JSON.stringify was a quarter of the batch
 * route's CPU under load. The same idea as Fastify's own schema-compiled serializers: it writes
 * the fields of the BatchResponse schema (schemas/batch.ts), in its order, and nothing else.
 * Pointers and sizes are safe integers, so String(n) is their JSON, and ops are one of three plain
 * words; tags and problems go through JSON.stringify.
 */
import type { z } from 'zod'
import type { BatchResponse } from './schemas/batch.js'

type BatchAnswer = z.infer<typeof BatchResponse>
type BatchResult = BatchAnswer['results'][number]

export function batchAnswerJson (answer: BatchAnswer): string {
  const { results } = answer
  let json = '{"results":['
  for (let i = 0; i < results.length; i++) {
    if (i > 0) json += ','
    json += resultJson(results[i]!)
  }
  return json + ']}'
}

function resultJson (result: BatchResult): string {
  if (!result.ok) return `{"ok":false,"op":"${result.op}","error":${JSON.stringify(result.error)}}`
  let json = `{"ok":true,"op":"${result.op}","ptr":${result.ptr},"size":${result.size}`
  if (result.align !== undefined) json += `,"align":${result.align}`
  if (result.tag !== undefined) json += `,"tag":${JSON.stringify(result.tag)}`
  if (result.moved !== undefined) json += `,"moved":${result.moved}`
  return json + '}'
}
