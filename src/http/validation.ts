/**
 * Request validation by the routes' zod schemas, with every issue said in a plain sentence that
 * names the field: "size must be an integer", "unknown field 'foo'", "tag must be a string".
 *
 * zod's own wording ("Invalid input: expected int, received number") is replaced by `predicate`,
 * passed to zod as the error map of each parse: zod asks it only for issues whose schema gives no
 * message of its own, so the schemas' messages (written as predicates too: "must be a power of
 * two") stay. The field's name is put in front once the issue has its full path.
 */
import type { FastifySchemaCompiler } from 'fastify'
import { z } from 'zod'

type ZodIssue = z.core.$ZodIssue
type RawIssue = z.core.$ZodRawIssue

/** What a request part is called when the issue is about the whole of it. */
const WHOLE: Record<string, string> = { body: 'the body', querystring: 'the query', params: 'the path', headers: 'the headers' }

const TYPE_NAMES: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'an array',
  null: 'null'
}

/**
 * The plain predicate of a zod issue, to follow the field's name: "must be an integer",
 * "is required". zod's error map: every issue kind the schemas can raise has its sentence.
 */
export function predicate (issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required'
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`
    case 'too_small':
      return bound('at least', 'greater than', issue.origin, issue.minimum, issue.inclusive)
    case 'too_big':
      return bound('at most', 'less than', issue.origin, issue.maximum, issue.inclusive)
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${quote(issue.values[0])}` : `must be one of ${issue.values.map(quote).join(', ')}`
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options
      return options !== undefined && options.length > 0 ? `must be one of ${options.map(quote).join(', ')}` : 'matches none of the accepted forms'
    }
    case 'unrecognized_keys':
      return `has unknown fields ${issue.keys.map((key) => `'${key}'`).join(', ')}`
    case 'invalid_format':
      return issue.format === 'regex' ? 'is not in the accepted format' : `must be a valid ${issue.format}`
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`
    case 'invalid_key':
      return 'has a key that is not accepted'
    case 'invalid_element':
      return 'has an item that is not accepted'
    case 'custom':
    default:
      return issue.message ?? 'is not accepted'
  }
}

function bound (inclusiveWord: string, exclusiveWord: string, origin: string, limit: number | bigint, inclusive: boolean | undefined): string {
  const relation = inclusive === false ? exclusiveWord : inclusiveWord
  switch (origin) {
    case 'string':
      return inclusiveWord === 'at least' && limit === 1 && inclusive !== false ? 'must not be empty' : `must be ${relation} ${limit} characters long`
    case 'array':
    case 'set':
      return `must have ${relation} ${limit} items`
    default:
      return `must be ${relation} ${limit}`
  }
}

function quote (value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value)
}

/** The name of the field at `path`, the way a client writes it: `size`, `ops[3].ptr`. */
export function fieldName (path: readonly PropertyKey[], part: string): string {
  if (path.length === 0) return WHOLE[part] ?? part
  let name = ''
  for (const key of path) {
    if (typeof key === 'number') name += `[${key}]`
    else name += name === '' ? String(key) : `.${String(key)}`
  }
  return name
}

/** One validation issue as Fastify carries it (error.validation) and problems.ts reads it. */
export interface ValidationItem {
  instancePath: string
  message: string
  keyword: string
}

/** The issues of a failed parse as plain sentences; an unknown-fields issue becomes one per field. */
export function validationItems (issues: readonly ZodIssue[], part: string): ValidationItem[] {
  const items: ValidationItem[] = []
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key]
        items.push({ instancePath: pointer(path), message: `unknown field '${fieldName(path, part)}'`, keyword: issue.code })
      }
    } else {
      items.push({ instancePath: pointer(issue.path), message: `${fieldName(issue.path, part)} ${issue.message}`, keyword: issue.code })
    }
  }
  return items
}

function pointer (path: readonly PropertyKey[]): string {
  return path.map((key) => '/' + String(key).replaceAll('~', '~0').replaceAll('/', '~1')).join('')
}

/** Fastify's validator compiler for the routes' zod schemas, answering plain sentences. */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => (data) => {
  const result = schema.safeParse(data, { error: predicate })
  if (result.success) return { value: result.data }
  const error = Object.assign(new Error('validation failed'), { validation: validationItems(result.error.issues, httpPart ?? 'body') })
  return { error }
}
