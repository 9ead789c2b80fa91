import { z } from 'zod'
import { Alignment, Offset, RequestedSize, Size, tag } from './common.js'
import { pageOf, pageQueryShape } from './page.js'

export function allocBody (maxTagLength: number) {
  return z.strictObject({
    size: RequestedSize.meta({ description: 'Block size in bytes.', examples: [4096] }),
    align: Alignment.optional().meta({ description: 'Alignment of this block (a power of two); the heap\'s alignment applies at least.' }),
    tag: tag(maxTagLength).optional()
  }).meta({ examples: [{ size: 4096, align: 256, tag: 'texture' }] })
}

export const ReallocBody = z.strictObject({
  size: RequestedSize.meta({ description: 'The new size in bytes.', examples: [8192] })
})

export const Block = z.object({
  ptr: Offset.meta({ description: 'The block\'s pointer: its offset in the heap.' }),
  size: Size,
  align: z.int().min(1).optional().meta({ description: 'The alignment requested at allocation, if any.' }),
  tag: z.string().optional()
}).meta({ id: 'Block', examples: [{ ptr: 0, size: 4096, align: 256, tag: 'texture' }] })

export const ReallocResult = Block.extend({
  moved: z.boolean().meta({ description: 'Whether the block moved (ptr changed) or was resized in place.' })
}).meta({ id: 'ReallocResult', examples: [{ ptr: 0, size: 8192, moved: false }] })

export function blockListQuery (maxPageSize: number, defaultPageSize: number) {
  return z.strictObject(pageQueryShape(maxPageSize, defaultPageSize))
}

export const BlockList = pageOf(Block).meta({ id: 'BlockList' })
