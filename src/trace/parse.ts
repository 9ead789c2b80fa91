/**
 * The trace parsers: text (one op a line) and JSON ops, both into a TraceBuilder (format.ts), which
 * holds the rules. The text parser scans characters rather than splitting lines and words: a
 * 5 M-op trace would otherwise become some 15 M short-lived strings before the first op is read.
 */
import { TraceBuilder, TraceError } from './format.js'
import type { ParseOptions, Trace, TraceErrorReason } from './format.js'

const NEWLINE = 10
const SPACE = 32
const TAB = 9
const CR = 13
const HASH = 35
const ZERO = 48
const NINE = 57
/** The fields a line may have: op, id, size, align. */
const MAX_FIELDS = 4

/** Parses the text form; throws TraceError naming the 1-based line of the first broken rule. */
export function parseTraceText (text: string, options: ParseOptions = {}): Trace {
  const builder = new TraceBuilder(options, estimateOps(text))
  const starts = [0, 0, 0, 0]
  const ends = [0, 0, 0, 0]
  const length = text.length
  let line = 0
  let pos = 0
  while (pos < length) {
    line++
    let fields = 0
    let tooMany = false
    // Split one line into fields, up to its newline or a '#'.
    while (pos < length) {
      const c = text.charCodeAt(pos)
      if (c === NEWLINE || c === HASH) break
      if (c === SPACE || c === TAB || c === CR) {
        pos++
        continue
      }
      const start = pos
      while (pos < length) {
        const d = text.charCodeAt(pos)
        if (d === NEWLINE || d === SPACE || d === TAB || d === CR || d === HASH) break
        pos++
      }
      if (fields < MAX_FIELDS) {
        starts[fields] = start
        ends[fields] = pos
      } else {
        tooMany = true
      }
      fields++
    }
    const newline = text.indexOf('\n', pos)
    pos = newline === -1 ? length : newline + 1
    if (fields === 0) continue

    const opStart = starts[0]!
    const op = ends[0]! - opStart === 1 ? text.charCodeAt(opStart) : 0
    const field = (k: number): string => text.slice(starts[k], ends[k])
    const number = (k: number, reason: TraceErrorReason, what: string): number => {
      const value = parseDigits(text, starts[k]!, ends[k]!)
      if (Number.isNaN(value)) throw new TraceError(reason, `${what}, got ${JSON.stringify(field(k))}`, line)
      return value
    }
    const expect = (name: string, min: number, max: number, usage: string): void => {
      if (fields < min || fields > max || tooMany) {
        throw new TraceError('bad-fields', `${name} takes ${usage}, got ${fields - 1} field${fields === 2 ? '' : 's'}`, line)
      }
    }
    if (op === 0x61) { // a
      expect('an alloc', 3, 4, '"a <id> <size> [<align>]"')
      const id = number(1, 'bad-id', ID_RULE)
      const size = number(2, 'bad-size', SIZE_RULE)
      const align = fields === 4 ? number(3, 'bad-align', ALIGN_RULE) : undefined
      builder.addAlloc(id, size, align, line)
    } else if (op === 0x66) { // f
      expect('a free', 2, 2, '"f <id>"')
      builder.addFree(number(1, 'bad-id', ID_RULE), line)
    } else if (op === 0x72) { // r
      expect('a realloc', 3, 3, '"r <id> <size>"')
      const id = number(1, 'bad-id', ID_RULE)
      builder.addRealloc(id, number(2, 'bad-size', SIZE_RULE), line)
    } else {
      throw new TraceError('unknown-op', `unknown op ${JSON.stringify(field(0))}: a line is "a <id> <size> [<align>]", "f <id>", "r <id> <size>" or a "#" comment`, line)
    }
  }
  return builder.finish()
}

const ID_RULE = 'an id must be a safe integer >= 0'
const SIZE_RULE = 'a size must be a positive safe integer'
const ALIGN_RULE = 'alignment must be a power of two up to 2^30'

/** The decimal integer text[start, end) (digits only), or NaN. Above 2^53 it is inexact, and the builder refuses it. */
function parseDigits (text: string, start: number, end: number): number {
  let value = 0
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c < ZERO || c > NINE) return NaN
    value = value * 10 + (c - ZERO)
  }
  return value
}

/** A first guess of the op count (lines of about a dozen characters), so the arrays rarely grow. */
function estimateOps (text: string): number {
  return Math.ceil(text.length / 12)
}

const ALLOC_KEYS = new Set(['op', 'id', 'size', 'align'])
const FREE_KEYS = new Set(['op', 'id'])
const REALLOC_KEYS = new Set(['op', 'id', 'size'])

/** Parses JSON ops (already decoded); throws TraceError naming the 0-based index of the first broken rule. */
export function parseTraceJson (ops: unknown, options: ParseOptions = {}): Trace {
  if (!Array.isArray(ops)) throw new TraceError('bad-fields', `a trace in JSON is an array of ops, got ${describe(ops)}`)
  const builder = new TraceBuilder(options, ops.length)
  for (let index = 0; index < ops.length; index++) {
    const op: unknown = ops[index]
    if (typeof op !== 'object' || op === null || Array.isArray(op)) {
      throw new TraceError('bad-fields', `an op is an object {op, id, ...}, got ${describe(op)}`, undefined, index)
    }
    const fields = op as Record<string, unknown>
    const kind = fields.op
    if (kind === 'alloc') {
      checkKeys(fields, ALLOC_KEYS, index)
      builder.addAlloc(jsonNumber(fields, 'id', 'bad-id', ID_RULE, index), jsonNumber(fields, 'size', 'bad-size', SIZE_RULE, index),
        fields.align === undefined ? undefined : jsonNumber(fields, 'align', 'bad-align', ALIGN_RULE, index), undefined, index)
    } else if (kind === 'free') {
      checkKeys(fields, FREE_KEYS, index)
      builder.addFree(jsonNumber(fields, 'id', 'bad-id', ID_RULE, index), undefined, index)
    } else if (kind === 'realloc') {
      checkKeys(fields, REALLOC_KEYS, index)
      builder.addRealloc(jsonNumber(fields, 'id', 'bad-id', ID_RULE, index), jsonNumber(fields, 'size', 'bad-size', SIZE_RULE, index), undefined, index)
    } else {
      throw new TraceError('unknown-op', `unknown op ${describe(kind)}: "op" is "alloc", "free" or "realloc"`, undefined, index)
    }
  }
  return builder.finish()
}

function checkKeys (fields: Record<string, unknown>, allowed: Set<string>, index: number): void {
  for (const key in fields) {
    if (!allowed.has(key)) throw new TraceError('bad-fields', `unknown field ${JSON.stringify(key)} in a ${String(fields.op)} op`, undefined, index)
  }
}

function jsonNumber (fields: Record<string, unknown>, key: string, reason: TraceErrorReason, rule: string, index: number): number {
  const value = fields[key]
  if (typeof value !== 'number') throw new TraceError(reason, `${rule}, got ${describe(value)}`, undefined, index)
  return value
}

function describe (value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return JSON.stringify(value)
}
