/**
 * Command line of `npm run bench`:
 *   npm run bench -- [--quick] [--passes=N] [--naive-seconds=S] [--live=N] [--strategies=a,b] [--no-naive] [--no-million] [trace ...]
 * Trace arguments keep the traces whose name contains one of them. Environment equivalents:
 * BENCH_QUICK=1, BENCH_TRACES=real-python,real-git.
 */
import { flagsOf } from './args.js'

export interface BenchOptions {
  quick: boolean
  /** Timed passes per strategy and trace (after one untimed warm-up); the best one is reported. */
  passes: number
  /** Time cap of the naive port per trace. */
  naiveSeconds: number
  /** Live blocks of the big run. */
  live: number
  naive: boolean
  million: boolean
  /** Strategy names to run; empty: all. */
  strategies: string[]
  traceFilters: string[]
}

export function parseOptions (argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = flagsOf(argv.filter((arg) => arg.startsWith('--')), ['quick', 'passes', 'naive-seconds', 'live', 'strategies', 'no-naive', 'no-million'])
  const traceFilters = [...(env.BENCH_TRACES ?? '').split(',').filter((s) => s !== ''), ...argv.filter((arg) => !arg.startsWith('--'))]
  const quick = flags.has('quick') || env.BENCH_QUICK === '1'
  return {
    quick,
    passes: positive(flags.get('passes'), quick ? 1 : 5, 'passes'),
    naiveSeconds: positive(flags.get('naive-seconds'), quick ? 1 : 10, 'naive-seconds'),
    live: positive(flags.get('live'), quick ? 250_000 : 1_000_000, 'live'),
    naive: !flags.has('no-naive'),
    million: !flags.has('no-million'),
    strategies: (flags.get('strategies') ?? '').split(',').filter((s) => s !== ''),
    traceFilters
  }
}

function positive (value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!(n > 0)) throw new Error(`--${name} must be a positive number, got ${value}`)
  return n
}
