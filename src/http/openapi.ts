/**
 * OpenAPI generation details. fastify-type-provider-zod emits every registered schema twice, as
 * input ("HeapInput") and output ("Heap") components; only some are referenced, so the rest are
 * pruned to keep the document (and Swagger UI's schema list) to what the API uses. Its route
 * transform also drops the response headers a route declares (Retry-After); they are put back.
 */
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'

type Transform = typeof jsonSchemaTransform
type TransformObject = typeof jsonSchemaTransformObject
type Responses = Record<string, { headers?: unknown } | undefined>

export const transform: Transform = (input) => {
  const output = jsonSchemaTransform(input)
  const declared = (input.schema as { response?: Responses } | undefined)?.response
  const transformed = (output.schema as { response?: Responses } | undefined)?.response
  if (declared === undefined || transformed === undefined) return output
  for (const [status, response] of Object.entries(declared)) {
    const target = transformed[status]
    if (response?.headers !== undefined && target !== undefined) target.headers = response.headers
  }
  return output
}

export const transformObject: TransformObject = (input) => {
  const document = jsonSchemaTransformObject(input) as { components?: { schemas?: Record<string, unknown> } }
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
