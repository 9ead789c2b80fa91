/**
 * The trace parsers: every broken rule is a TraceError naming its line (text) or index (JSON);
 * text and JSON of the same ops parse to the same trace; formatTraceLine writes what the text
 * parser reads back.
 */
import t from 'tap'
import fc from 'fast-check'
import { formatTraceLine, parseTraceJson, parseTraceText, traceOps, TraceError } from '../../src/trace/index.js'
import type { TraceOp } from '../../src/trace/index.js'

function textError (text: string, maxOps?: number): TraceError {
  try {
    parseTraceText(text, maxOps === undefined ? {} : { maxOps })
  } catch (err) {
    if (err instanceof TraceError) return err
    throw err
  }
  throw new Error(`parsed without an error: ${JSON.stringify(text)}`)
}

function jsonError (ops: unknown): TraceError {
  try {
    parseTraceJson(ops)
  } catch (err) {
    if (err instanceof TraceError) return err
    throw err
  }
  throw new Error(`parsed without an error: ${JSON.stringify(ops)}`)
}

t.test('a valid text trace: comments, blank lines, tabs, CRLF, alignment and realloc', async t => {
  const trace = parseTraceText('# alloc-trace v1\n\na 0 16\na 7 100 64  # aligned\r\n\tf 0\nr 7 300\n  \na 3 1\nf 7\n')
  t.same([...traceOps(trace)], [
    { op: 'alloc', id: 0, size: 16 },
    { op: 'alloc', id: 7, size: 100, align: 64 },
    { op: 'free', id: 0 },
    { op: 'realloc', id: 7, size: 300 },
    { op: 'alloc', id: 3, size: 1 },
    { op: 'free', id: 7 }
  ])
  t.equal(trace.blocks, 3)
  t.same([...trace.block], [0, 1, 0, 1, 2, 1], 'blocks are numbered in allocation order')
  t.equal(parseTraceText('').length, 0, 'an empty trace has no ops')
  t.equal(parseTraceText('a 0 5').length, 1, 'the last line needs no newline')
})

t.test('text errors name the line', async t => {
  const cases: Array<[string, number, string, RegExp]> = [
    ['a 0 8\nx 1\n', 2, 'unknown-op', /unknown op "x"/],
    ['a 0 8\nalloc 1 8\n', 2, 'unknown-op', /unknown op "alloc"/],
    ['# c\nf 4\n', 2, 'unknown-id', /free of id 4, which was never allocated/],
    ['a 0 8\nf 0\n\nf 0\n', 4, 'freed-id', /free of id 0, which was already freed/],
    ['a 0 8\nf 0\nr 0 9\n', 3, 'freed-id', /realloc of id 0, which was already freed/],
    ['a 0 8\nr 1 9\n', 2, 'unknown-id', /realloc of id 1/],
    ['a 0 8\nf 0\na 0 8\n', 3, 'id-reused', /id 0 was allocated before/],
    ['a 0 8\na 0 8\n', 2, 'id-reused', /id 0/],
    ['a 0 0\n', 1, 'bad-size', /positive safe integer, got 0/],
    ['a 0 -3\n', 1, 'bad-size', /got "-3"/],
    ['a 0 1.5\n', 1, 'bad-size', /got "1.5"/],
    ['a 0 1e3\n', 1, 'bad-size', /got "1e3"/],
    ['a 0 9007199254740993\n', 1, 'bad-size', /positive safe integer/],
    ['a 0 8\nr 0 0\n', 2, 'bad-size', /got 0/],
    ['a 0 8 3\n', 1, 'bad-align', /power of two/],
    ['a 0 8 0\n', 1, 'bad-align', /power of two/],
    ['a 0 8 2147483648\n', 1, 'bad-align', /up to 2\^30/],
    ['a x 8\n', 1, 'bad-id', /got "x"/],
    ['a 0\n', 1, 'bad-fields', /an alloc takes/],
    ['a 0 8 16 4\n', 1, 'bad-fields', /got 4 fields/],
    ['a 0 8\nf\n', 2, 'bad-fields', /a free takes/],
    ['a 0 8\nf 0 8\n', 2, 'bad-fields', /a free takes/],
    ['a 0 8\nr 0\n', 2, 'bad-fields', /a realloc takes/]
  ]
  for (const [text, line, reason, message] of cases) {
    const err = textError(text)
    t.equal(err.line, line, `${JSON.stringify(text)}: line`)
    t.equal(err.index, undefined)
    t.equal(err.reason, reason, `${JSON.stringify(text)}: reason`)
    t.match(err.message, message, `${JSON.stringify(text)}: message`)
    t.notMatch(err.message, /line \d/, 'the message is plain; the line is a field')
    t.equal(err.where, `line ${line}`)
  }
})

t.test('maxOps bounds the ops, not the lines', async t => {
  t.equal(parseTraceText('# one\n# two\na 0 1\nf 0\n', { maxOps: 2 }).length, 2)
  const err = textError('a 0 1\nf 0\na 1 1\n', 2)
  t.equal(err.reason, 'too-many-ops')
  t.equal(err.line, 3)
})

t.test('JSON ops: valid, and each error names its index', async t => {
  const ops: TraceOp[] = [{ op: 'alloc', id: 5, size: 10, align: 8 }, { op: 'realloc', id: 5, size: 20 }, { op: 'free', id: 5 }]
  t.same([...traceOps(parseTraceJson(ops))], ops)
  const cases: Array<[unknown, number | undefined, string, RegExp]> = [
    [{ ops: [] }, undefined, 'bad-fields', /an array of ops/],
    [[{ op: 'alloc', id: 0, size: 1 }, 7], 1, 'bad-fields', /an op is an object/],
    [[{ op: 'alloc', id: 0, size: 1 }, null], 1, 'bad-fields', /got null/],
    [[{ op: 'grow', id: 0 }], 0, 'unknown-op', /unknown op "grow"/],
    [[{ id: 0 }], 0, 'unknown-op', /unknown op nothing/],
    [[{ op: 'free', id: 0 }], 0, 'unknown-id', /never allocated/],
    [[{ op: 'alloc', id: 0, size: 1 }, { op: 'free', id: 0 }, { op: 'free', id: 0 }], 2, 'freed-id', /already freed/],
    [[{ op: 'alloc', id: 0, size: 1 }, { op: 'alloc', id: 0, size: 1 }], 1, 'id-reused', /never reused/],
    [[{ op: 'alloc', id: 0, size: '10' }], 0, 'bad-size', /got "10"/],
    [[{ op: 'alloc', id: 0, size: 2 ** 53 }], 0, 'bad-size', /positive safe integer/],
    [[{ op: 'alloc', id: -1, size: 1 }], 0, 'bad-id', /got -1/],
    [[{ op: 'alloc', id: 0, size: 1, align: 12 }], 0, 'bad-align', /power of two/],
    [[{ op: 'alloc', id: 0, size: 1, ptr: 3 }], 0, 'bad-fields', /unknown field "ptr"/],
    [[{ op: 'alloc', id: 0, size: 1 }, { op: 'free', id: 0, size: 1 }], 1, 'bad-fields', /unknown field "size"/]
  ]
  for (const [input, index, reason, message] of cases) {
    const err = jsonError(input)
    t.equal(err.index, index, `${JSON.stringify(input)}: index`)
    t.equal(err.line, undefined)
    t.equal(err.reason, reason, `${JSON.stringify(input)}: reason`)
    t.match(err.message, message, `${JSON.stringify(input)}: message`)
  }
})

t.test('ids of any size: large ids are kept apart from dense ones', async t => {
  const big = Number.MAX_SAFE_INTEGER
  const trace = parseTraceText(`a ${big} 8\na 1 8\nf ${big}\n`)
  t.same([...traceOps(trace)], [{ op: 'alloc', id: big, size: 8 }, { op: 'alloc', id: 1, size: 8 }, { op: 'free', id: big }])
  t.equal(textError(`a ${big} 8\nf ${big}\nf ${big}\n`).reason, 'freed-id')
})

/** Valid op sequences: allocs of fresh ids, frees and reallocs of live ones. */
const validOps = fc.array(fc.tuple(fc.nat(2), fc.nat(), fc.integer({ min: 1, max: 2 ** 40 }), fc.constantFrom(undefined, 1, 16, 2 ** 30)), { maxLength: 60 })
  .map((steps) => {
    const ops: TraceOp[] = []
    const live: number[] = []
    let nextId = 0
    for (const [kind, pick, size, align] of steps) {
      if (kind === 0 || live.length === 0) {
        const id = nextId++ * 3
        ops.push(align === undefined ? { op: 'alloc', id, size } : { op: 'alloc', id, size, align })
        live.push(id)
      } else if (kind === 1) {
        ops.push({ op: 'free', id: live.splice(pick % live.length, 1)[0]! })
      } else {
        ops.push({ op: 'realloc', id: live[pick % live.length]!, size })
      }
    }
    return ops
  })

t.test('text written by formatTraceLine parses back to the same ops, as JSON does', async t => {
  fc.assert(fc.property(validOps, (ops) => {
    const text = ops.map(formatTraceLine).join('\n')
    t.same([...traceOps(parseTraceText(text))], ops)
    t.same([...traceOps(parseTraceJson(ops))], ops)
  }), { numRuns: 100 })
})
