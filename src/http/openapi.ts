/**
 * OpenAPI generation details. fastify-type-provider-zod emits every registered schema twice, as
 * input ("HeapInput") and output ("Heap") components; only some are referenced, so the rest are
 * pruned to keep the document (and Swagger UI's schema list) to what the API uses. Its route
 * transform also drops the response headers a route declares (Retry-After); they are put back.
 * @fastify/swagger marks every request body required; a body schema that also accepts null (the
 * request may come without a body, as reset's) is an optional body of the other form instead.
 * The Idempotency-Key header is read by the change routes themselves, not validated by a schema
 * (a request without it pays nothing): it is added to their documentation here.
 */
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'
import { IDEMPOTENCY_KEY_HEADER, KEYED_OPERATIONS } from './idempotency.js'

type Transform = typeof jsonSchemaTransform
type TransformObject = typeof jsonSchemaTransformObject
type Responses = Record<string, { headers?: unknown } | undefined>
interface BodySchema { type?: unknown, anyOf?: BodySchema[] }
interface RequestBody { required?: boolean, content?: Record<string, { schema?: BodySchema }> }

const IDEMPOTENCY_KEY_DOC = {
  type: 'object',
  properties: {
    [IDEMPOTENCY_KEY_HEADER]: {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      description: 'Makes a retry safe: a retry with the same key (a UUID, say) answers the first answer and applies nothing again, ' +
        'for HEAPD_IDEMPOTENCY_TTL seconds. The same key with a different request answers 422 idempotency-key-reused; ' +
        'while the first request runs, 409 idempotency-key-in-flight.'
    }
  }
}

export const transform: Transform = (input) => {
  const output = jsonSchemaTransform(input)
  const operationId = (input.schema as { operationId?: string } | undefined)?.operationId
  if (operationId !== undefined && KEYED_OPERATIONS.has(operationId)) {
    (output.schema as { headers?: unknown }).headers = IDEMPOTENCY_KEY_DOC
  }
  const declared = (input.schema as { response?: Responses } | undefined)?.response
  const transformed = (output.schema as { response?: Responses } | undefined)?.response
  if (declared === undefined || transformed === undefined) return output
  for (const [status, response] of Object.entries(declared)) {
    const target = transformed[status]
    if (response?.headers !== undefined && target !== undefined) target.headers = response.headers
  }
  return output
}

function optionalBodies (paths: Record<string, Record<string, { requestBody?: RequestBody }>>): void {
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      const body = operation.requestBody
      for (const media of Object.values(body?.content ?? {})) {
        const forms = media.schema?.anyOf
        if (body === undefined || forms === undefined || !forms.some((form) => form.type === 'null')) continue
        const rest = forms.filter((form) => form.type !== 'null')
        media.schema = rest.length === 1 ? rest[0]! : { anyOf: rest }
        body.required = false
      }
    }
  }
}

export const transformObject: TransformObject = (input) => {
  const document = jsonSchemaTransformObject(input) as { paths?: Record<string, Record<string, { requestBody?: RequestBody }>>, components?: { schemas?: Record<string, unknown> } }
  if (document.paths !== undefined) optionalBodies(document.paths)
  const schemas = document.components?.schemas
  if (schemas === undefined) return document as ReturnType<TransformObject>
  const used = new Set<string>()
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) { value.forEach(visit); return }
    if (value === null || typeof value !== 'object') return
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith('#/components/schemas/')) {
        const name = child.slice('#/components/schemas/'.length)
        if (!used.has(name)) {
          used.add(name)
          visit(schemas[name])
        }
      } else {
        visit(child)
      }
    }
  }
  visit({ ...document, components: { ...document.components, schemas: {} } })
  document.components!.schemas = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)))
  return document as ReturnType<TransformObject>
}
