/**
 * A stream of changes for the fault tests: one worker per heap sends alloc, free and realloc
 * requests one after another, each with an Idempotency-Key and retried with the same key until it
 * gets a final answer (sendKeyed). Every final answer is checked against the model given the
 * same request, so a change applied twice, lost after its answer, or computed on a stale copy of
 * the heap shows at once. The test steers it: where requests go (`route`), and `hold()`/`release()`
 * to stop every worker between two requests.
 */
import type { Test } from 'tap'
import { prng } from '../helpers/prng.js'
import { comparable, HeapIds, sendKeyed, sleep, type Answer, type Attempt, type Request } from './workload.js'

export type Model = (request: Request) => Promise<Answer>

export class ChangeStream {
  /** Final answers so far, all heaps together. */
  acknowledged = 0
  readonly attempts: Array<Attempt & { at: number }> = []
  readonly heapIds: string[] = []
  readonly ids = new HeapIds()
  route: () => string
  private running = false
  private failure: Error | undefined
  private holding = false
  private idle = 0
  private workers: Array<Promise<void>> = []
  private readonly random: () => number
  private readonly none = new Map<string, string>()

  constructor (private readonly t: Test, private readonly model: Model, route: () => string, seed: number) {
    this.route = route
    this.random = prng(seed)
    t.teardown(() => { this.running = false })
  }

  /** Creates `count` heaps (keyed, retried like every change), on both the cluster and the model. */
  async createHeaps (count: number, size = 1 << 20): Promise<void> {
    for (let i = 0; i < count; i++) {
      const request: Request = { method: 'POST', path: '/heaps', body: { size } }
      const answer = await sendKeyed(request, this.options())
      const expected = await this.model(request)
      this.ids.created(answer, expected)
      this.t.equal(answer.status, 201, 'heap created')
      this.heapIds.push(expected.body.id)
    }
  }

  /**
   * One change to the heap of model ID `heapId`, sent to `target` (the current route when
   * omitted); its final answer is compared with the model's.
   */
  async change (heapId: string, target?: string): Promise<Answer> {
    const request = await this.nextRequest(heapId)
    const tried: Attempt[] = []
    const answer = await sendKeyed(this.ids.forCluster(request), this.options(target, tried))
    const expected = await this.model(request)
    this.acknowledged++
    const same = this.t.same(comparable(answer, this.ids.toModel), comparable(expected, this.none),
      `${request.method} ${request.path} ${JSON.stringify(request.body ?? '')} answers as the model`)
    if (!same) {
      this.t.comment(`its attempts: ${tried.map((attempt) => `${attempt.base} ${attempt.answer?.status ?? attempt.error?.message}`).join('; ')}`)
      // From here the heap's history and the model's differ: what follows would only repeat it.
      this.failure ??= new Error(`the stream parted from the model at ${request.method} ${request.path}`)
      this.running = false
    }
    return answer
  }

  start (): void {
    this.running = true
    this.workers = this.heapIds.map(async (heapId) => {
      while (this.running) {
        if (this.holding) {
          this.idle++
          while (this.holding && this.running) await sleep(5)
          this.idle--
          continue
        }
        try {
          await this.change(heapId)
        } catch (error) {
          // A change that found no final answer in time, or the test ended under it.
          this.failure ??= error as Error
          this.running = false
        }
      }
    })
  }

  /** Resolves once the stream has `count` final answers in all; rejects once an answer differed from the model's. */
  async until (count: number): Promise<void> {
    while (this.acknowledged < count) {
      this.check()
      await sleep(10)
    }
    this.check()
  }

  /** Stops every worker between two requests; resolves when none has a request out. */
  async hold (): Promise<void> {
    this.holding = true
    while (this.idle < this.workers.length) {
      if (this.failure !== undefined) await Promise.all(this.workers)
      this.check()
      await sleep(5)
    }
  }

  /** Throws once an answer differed from the model's. */
  check (): void {
    if (this.failure !== undefined) throw this.failure
  }

  release (): void { this.holding = false }

  /** Stops the workers; rejects if an answer differed from the model's. */
  async stop (): Promise<void> {
    this.running = false
    await Promise.all(this.workers)
    this.check()
  }

  private options (target?: string, tried: Attempt[] = []) {
    return {
      target: () => target ?? this.route(),
      onAttempt: (attempt: Attempt) => {
        tried.push(attempt)
        this.attempts.push({ ...attempt, at: Date.now() })
      }
    }
  }

  private async nextRequest (heapId: string): Promise<Request> {
    const path = `/heaps/${heapId}`
    const live = ((await this.model({ method: 'GET', path: `${path}/blocks?limit=1000` })).body.items as Array<{ ptr: number }>).map((block) => block.ptr)
    const roll = this.random()
    const size = 16 + Math.floor(this.random() * 4096)
    const ptr = live[Math.floor(this.random() * live.length)]
    if (ptr === undefined || roll < 0.5) return { method: 'POST', path: `${path}/alloc`, body: { size } }
    if (roll < 0.85) return { method: 'DELETE', path: `${path}/blocks/${ptr}` }
    return { method: 'PATCH', path: `${path}/blocks/${ptr}`, body: { size } }
  }
}
