/**
 * The best few of many candidates, kept while they stream past: a bounded binary heap whose root
 * is the worst kept, so a candidate no better than it costs one comparison and a better one
 * O(log k). Candidates are ordered by (primary, secondary), lower first; each carries two integers.
 */
export class BestCandidates {
  private readonly primary: Float64Array
  private readonly secondary: Float64Array
  private readonly a: Float64Array
  private readonly b: Float64Array
  private count = 0

  constructor (private readonly capacity: number) {
    this.primary = new Float64Array(capacity)
    this.secondary = new Float64Array(capacity)
    this.a = new Float64Array(capacity)
    this.b = new Float64Array(capacity)
  }

  offer (primary: number, secondary: number, a: number, b: number): void {
    if (this.count < this.capacity) {
      this.write(this.count, primary, secondary, a, b)
      this.up(this.count++)
    } else if (this.before(primary, secondary, 0)) {
      this.write(0, primary, secondary, a, b)
      this.down(0)
    }
  }

  /** The candidates kept, best first, as [primary, secondary, a, b]. */
  sorted (): Array<[number, number, number, number]> {
    const all: Array<[number, number, number, number]> = []
    for (let k = 0; k < this.count; k++) all.push([this.primary[k]!, this.secondary[k]!, this.a[k]!, this.b[k]!])
    return all.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2])
  }

  /** Whether (primary, secondary) comes before the candidate at slot k. */
  private before (primary: number, secondary: number, k: number): boolean {
    return primary < this.primary[k]! || (primary === this.primary[k] && secondary < this.secondary[k]!)
  }

  private write (k: number, primary: number, secondary: number, a: number, b: number): void {
    this.primary[k] = primary
    this.secondary[k] = secondary
    this.a[k] = a
    this.b[k] = b
  }

  private swap (x: number, y: number): void {
    const px = this.primary[x]!
    const sx = this.secondary[x]!
    const ax = this.a[x]!
    const bx = this.b[x]!
    this.write(x, this.primary[y]!, this.secondary[y]!, this.a[y]!, this.b[y]!)
    this.write(y, px, sx, ax, bx)
  }

  /** The worst at the root: a slot moves up while its parent comes before it. */
  private up (k: number): void {
    while (k > 0) {
      const parent = (k - 1) >> 1
      if (!this.before(this.primary[parent]!, this.secondary[parent]!, k)) break
      this.swap(k, parent)
      k = parent
    }
  }

  private down (k: number): void {
    for (;;) {
      let worst = k
      for (const child of [2 * k + 1, 2 * k + 2]) {
        if (child < this.count && this.before(this.primary[worst]!, this.secondary[worst]!, child)) worst = child
      }
      if (worst === k) return
      this.swap(k, worst)
      k = worst
    }
  }
}
