/** `heapd alloc|free|realloc|batch|reset`: the changes to a heap's blocks. */
import { readFileSync } from 'node:fs'
import type { BatchOp } from '../../client/index.js'
import { printJson, string, type Command } from '../command.js'
import { table } from '../table.js'
import { formatBytes, parseSize } from '../units.js'
import { EXIT, UsageError } from '../usage.js'
import { describeHeap } from './heaps.js'

/** The ops of a JSON-lines file (`-` is standard input): one op object a line, blank lines skipped. */
export function readOps (file: string): BatchOp[] {
  let text: string
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`, 'batch')
  }
  const ops: BatchOp[] = []
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    try {
      ops.push(JSON.parse(line) as BatchOp)
    } catch {
      throw new UsageError(`${file === '-' ? 'stdin' : file}:${index + 1}: not a JSON op: ${line.slice(0, 80)}`, 'batch')
    }
  }
  return ops
}

export const blockCommands: Command[] = [
  {
    path: ['alloc'],
    args: ['HEAP', 'SIZE'],
    summary: 'allocate a block',
    help: `Allocates a block of SIZE bytes (64K, 1MiB, 2^20 ...). Prints the block: its pointer (ptr) is
the offset to pass to free and realloc.
  --align N    alignment of this block, a power of two
  --tag TEXT   a label kept with the block`,
    options: { align: { type: 'string' }, tag: { type: 'string' } },
    async run (context) {
      const [heap, size] = context.positionals as [string, string]
      const align = string(context.values.align)
      const tag = string(context.values.tag)
      const block = await context.client().alloc(heap, {
        size: parseSize(size),
        ...(align !== undefined ? { align: parseSize(align, '--align') } : {}),
        ...(tag !== undefined ? { tag } : {})
      })
      if (context.json) return printJson(context, block)
      context.out(table(['PTR', 'SIZE', 'ALIGN', 'TAG'], [[block.ptr, formatBytes(block.size), block.align, block.tag]]))
    }
  },
  {
    path: ['free'],
    args: ['HEAP', 'PTR'],
    summary: 'free a block',
    help: 'Frees the block that starts at PTR. Prints nothing with --json (the service answers 204).',
    options: {},
    async run (context) {
      const [heap, ptr] = context.positionals as [string, string]
      const pointer = parseSize(ptr, 'ptr')
      await context.client().free(heap, pointer)
      if (!context.json) context.out(`freed ${pointer}\n`)
    }
  },
  {
    path: ['realloc'],
    args: ['HEAP', 'PTR', 'SIZE'],
    summary: 'resize a block',
    help: 'Resizes the block at PTR to SIZE bytes, in place when it can. Prints the block; MOVED says whether its pointer changed.',
    options: {},
    async run (context) {
      const [heap, ptr, size] = context.positionals as [string, string, string]
      const block = await context.client().realloc(heap, parseSize(ptr, 'ptr'), parseSize(size))
      if (context.json) return printJson(context, block)
      context.out(table(['PTR', 'SIZE', 'MOVED', 'TAG'], [[block.ptr, formatBytes(block.size), block.moved, block.tag]]))
    }
  },
  {
    path: ['batch'],
    args: ['HEAP'],
    summary: 'run many ops in one request',
    help: `Runs the ops of a JSON-lines file in order, in one request, e.g.
  {"op": "alloc", "size": 4096, "tag": "a"}
  {"op": "realloc", "ptr": 0, "size": 8192}
  {"op": "free", "ptr": 0}
Prints one line per op. Exits 1 when an op failed (the others were applied, unless --atomic).
  -f, --file FILE   the ops, one JSON object a line; - reads standard input (required)
  --atomic          every op applies or none does`,
    options: { file: { type: 'string', short: 'f' }, atomic: { type: 'boolean' } },
    async run (context) {
      const file = string(context.values.file)
      if (file === undefined) throw new UsageError('-f FILE is required (- for standard input)', 'batch')
      const ops = readOps(file)
      if (ops.length === 0) throw new UsageError(`${file === '-' ? 'stdin' : file} holds no ops`, 'batch')
      const answer = await context.client().batch(context.positionals[0]!, ops, context.values.atomic === true ? { atomic: true } : {})
      if (context.json) printJson(context, answer)
      else {
        context.out(table(['#', 'OP', 'RESULT', 'PTR', 'SIZE'], answer.results.map((result, index) => result.ok
          ? [index, result.op, 'ok', result.ptr, formatBytes(result.size)]
          : [index, result.op, `${problemCode(result.error.type)}: ${result.error.detail}`, undefined, undefined])))
      }
      return answer.results.every((result) => result.ok) ? EXIT.ok : EXIT.refused
    }
  },
  {
    path: ['reset'],
    args: ['HEAP'],
    summary: 'free every block of a heap',
    help: 'Frees every block of the heap. Prints the heap, now empty.',
    options: {},
    async run (context) {
      const heap = await context.client().resetHeap(context.positionals[0]!)
      if (context.json) return printJson(context, heap)
      context.out(describeHeap(heap))
    }
  }
]

function problemCode (type: string): string {
  return type.slice(type.lastIndexOf('/') + 1)
}
