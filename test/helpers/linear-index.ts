/**
 * A tiny FreeIndex for tests: the free nodes in an array kept sorted by offset, scanned from the
 * start (lowest address that fits, i.e. first fit in O(n)). Independent of the real strategies,
 * so it cross-checks the allocator core and the tree-based first-fit.
 */
import { fitsIn } from '../../src/allocator/align.js'
import type { FreeIndex, FreeIndexFactory, NodeView } from '../../src/allocator/free-index.js'

export class LinearIndex implements FreeIndex {
  readonly nodes: number[] = []

  constructor (private readonly view: NodeView) {}

  grow (): void {}

  /** Free ranges never overlap, so a range that changes within its own extent keeps its place in address order. */
  resizeInPlace (): boolean {
    return true
  }

  insert (node: number): void {
    const offsets = this.view.offsets
    let i = this.nodes.length
    while (i > 0 && offsets[this.nodes[i - 1]!]! > offsets[node]!) i--
    this.nodes.splice(i, 0, node)
  }

  remove (node: number): void {
    const i = this.nodes.indexOf(node)
    if (i < 0) throw new Error(`linear index: node ${node} is not free`)
    this.nodes.splice(i, 1)
  }

  find (size: number, align: number): number {
    const { offsets, sizes } = this.view
    for (const node of this.nodes) if (fitsIn(offsets[node]!, sizes[node]!, size, align)) return node
    return -1
  }

  largest (): number {
    let max = 0
    for (const node of this.nodes) max = Math.max(max, this.view.sizes[node]!)
    return max
  }

  clear (): void {
    this.nodes.length = 0
  }
}

export const createLinearIndex: FreeIndexFactory = (view) => new LinearIndex(view)
