/**
 * Sizes as people type and read them. `64K`, `64KiB` and `1.5M` are binary (powers of 1024),
 * `64KB` decimal (powers of 1000), `2^40` a power; a plain integer is bytes. Computed in BigInt so
 * that no size above 2^53 is rounded on its way to the service.
 */
import { UsageError } from './usage.js'

const BINARY = ['', 'K', 'M', 'G', 'T', 'P', 'E']
const SIZE = /^(\d+)(?:\.(\d+))?\s*(?:([KMGTPE])(i?)(B?)|(B?))$/i
const POWER = /^(\d+)\^(\d+)$/

/** The byte count `text` stands for; `what` names it in the error ("size", "ptr"). */
export function parseSize (text: string, what = 'size'): number {
  const bytes = parseBytes(text.trim())
  if (bytes === undefined) {
    throw new UsageError(`${what} ${JSON.stringify(text)} is not a size: an integer with an optional unit (64K, 1MiB, 1GB) or a power (2^40)`)
  }
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw new UsageError(`${what} ${text} is more than 2^53 - 1 bytes`)
  return Number(bytes)
}

function parseBytes (text: string): bigint | undefined {
  const power = POWER.exec(text)
  if (power !== null) return BigInt(power[1]!) ** BigInt(power[2]!)
  const match = SIZE.exec(text)
  if (match === null) return undefined
  const [, whole, fraction = '', prefix, iec, byteSuffix] = match
  const decimal = prefix !== undefined && iec === '' && byteSuffix !== ''
  const step = decimal ? 1000n : 1024n
  const unit = prefix === undefined ? 1n : step ** BigInt(BINARY.indexOf(prefix.toUpperCase()))
  const scale = 10n ** BigInt(fraction.length)
  const scaled = BigInt(whole! + fraction) * unit
  if (scaled % scale !== 0n) throw new UsageError(`${text} is not a whole number of bytes`)
  return scaled / scale
}

/** `1536` -> `1.5 KiB`: at most two decimals, in the largest binary unit it reaches. */
export function formatBytes (bytes: number): string {
  let unit = 0
  let value = bytes
  while (value >= 1024 && unit < BINARY.length - 1) {
    value /= 1024
    unit++
  }
  if (unit === 0) return `${bytes} B`
  return `${Number(value.toFixed(2))} ${BINARY[unit]}iB`
}

/** `0.1234` -> `12.3%`. */
export function formatRatio (ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`
}
