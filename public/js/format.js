// Number formatting and colours shared by the page's modules.

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']

export const FREE_COLOR = '#e9edf3'
export const FREE_HATCH = '#c9d1dc'
export const UNTAGGED_COLOR = '#52627a'
export const USED_COLOR = '#2f6db5'

// Tableau-10 without its grey (grey is free space here), plus purple, olive and navy: twelve
// colours that stay apart for most colour-blind readers too.
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#7f3c8d', '#bcbd22', '#1f3b73']

export function formatBytesShort (n) {
  if (!Number.isFinite(n)) return '—'
  if (Math.abs(n) < 1024) return `${n} B`
  let value = n / 1024
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  const digits = value >= 100 || Number.isInteger(value) ? 0 : value >= 10 ? 1 : 2
  return `${Number(value.toFixed(digits))} ${UNITS[unit]}`
}

export function formatBytes (n) {
  if (!Number.isFinite(n)) return '—'
  const exact = `${n.toLocaleString('en-US')} B`
  return Math.abs(n) >= 1024 ? `${exact} (${formatBytesShort(n)})` : exact
}

export function formatNumber (n) {
  return Number.isFinite(n) ? n.toLocaleString('en-US') : '—'
}

// Fractions in [0, 1] as percentages.
export function formatPercent (fraction) {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(1)}%` : '—'
}

export function formatPtr (ptr) {
  return `${ptr.toLocaleString('en-US')} (0x${ptr.toString(16)})`
}

// FNV-1a, finished with murmur3's mixer (FNV's low bits mix poorly for short tags): the tag's
// first-choice palette slot, the same on every load and in every heap.
function tagSlot (tag) {
  let hash = 0x811c9dc5
  for (let i = 0; i < tag.length; i++) {
    hash ^= tag.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b)
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35)
  hash = (hash ^ (hash >>> 16)) >>> 0
  return hash % PALETTE.length
}

export function tagColor (tag) {
  if (tag === undefined || tag === null || tag === '') return UNTAGGED_COLOR
  return PALETTE[tagSlot(tag)]
}

// Colours for the tags shown together. Twelve slots fill up fast (two of six random tags share
// a slot more often than not), so a tag whose slot is taken moves to the next free one; tags
// are placed in name order, which keeps the result the same for the same set of tags.
export function tagColors (tags) {
  const colors = new Map()
  const taken = new Set()
  for (const tag of [...new Set(tags)].filter((t) => t !== undefined && t !== '').sort()) {
    let slot = tagSlot(tag)
    for (let probe = 0; probe < PALETTE.length && taken.has(slot); probe++) slot = (slot + 1) % PALETTE.length
    taken.add(slot)
    colors.set(tag, PALETTE[slot])
  }
  return colors
}

// Mixes two #rrggbb colours; t = 0 gives a, t = 1 gives b.
export function mixColor (a, b, t) {
  const pa = parseInt(a.slice(1), 16)
  const pb = parseInt(b.slice(1), 16)
  const channel = (shift) => Math.round(((pa >> shift) & 255) * (1 - t) + ((pb >> shift) & 255) * t)
  return `rgb(${channel(16)}, ${channel(8)}, ${channel(0)})`
}

const SIZE_UNITS = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 }

// Accepts "4096", "64K", "1 MiB", "2^40", "1_000_000": people type heap sizes in many ways.
// Returns a safe integer, or undefined when the text is not a size.
export function parseSize (text) {
  const clean = String(text).trim().replace(/[_,\s]/g, '').toLowerCase()
  if (clean === '') return undefined
  const power = /^2\^(\d{1,2})$/.exec(clean)
  if (power) return checked(2 ** Number(power[1]))
  const match = /^(\d+(?:\.\d+)?)(?:([kmgtp])(?:i?b)?|b)?$/.exec(clean)
  if (!match) return undefined
  return checked(Number(match[1]) * SIZE_UNITS[match[2] ?? ''])
}

function checked (n) {
  return Number.isSafeInteger(n) ? n : undefined
}
