/**
 * Where the service's log lines go by default: stdout, in one write per turn of the event loop.
 *
 * pino's default destination writes every line on its own, through the thread pool. With one line
 * per request that write cost about as much as the rest of the request's logging (profiled under
 * load: a few µs of server CPU per request). Here the lines of one turn are joined and written
 * together, synchronously, after the turn's I/O (setImmediate), so a line still leaves within the
 * turn that logged it and ordering is kept. The lines still pending when the process exits are
 * written then; only a kill -9 can lose them (at most one turn's worth).
 */
import { pino } from 'pino'

/** What the lines are finally written to: a synchronous sonic-boom in production, anything with write() in tests. */
export interface LineSink {
  write (text: string): unknown
}

export class TurnBatchedDestination {
  private pending: string[] = []
  private scheduled = false

  constructor (private readonly sink: LineSink) {}

  /** Called by pino with one serialized line. */
  write (line: string): boolean {
    this.pending.push(line)
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.flushPending)
    }
    return true
  }

  /** Writes the pending lines now (pino calls it on logger.flush(); the process calls it on exit). */
  flushSync (): void {
    if (this.pending.length === 0) return
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join('')
    this.pending = []
    this.sink.write(text)
  }

  flush (callback?: (error?: Error) => void): void {
    this.flushSync()
    callback?.()
  }

  private readonly flushPending = (): void => {
    this.scheduled = false
    this.flushSync()
  }
}

/** stdout, batched per turn; whatever is pending is written when the process exits. */
export function batchedStdout (): TurnBatchedDestination {
  // Synchronous sonic-boom: it retries EAGAIN on a full pipe, and each call is one write.
  const destination = new TurnBatchedDestination(pino.destination({ fd: 1, sync: true }))
  process.once('exit', () => { destination.flushSync() })
  return destination
}
