/**
 * Measuring bookkeeping for bookkeepingBytes(): bytes of the typed arrays reachable from `value`
 * within `depth` property hops, which measures a FreeIndex without widening its interface.
 * Never on a hot path.
 */
export function typedArrayBytes (value: unknown, depth: number, seen = new Set<object>()): number {
  if (ArrayBuffer.isView(value)) return value.byteLength
  if (typeof value !== 'object' || value === null || depth === 0 || seen.has(value)) return 0
  seen.add(value)
  let total = 0
  for (const field of Object.values(value)) total += typedArrayBytes(field, depth - 1, seen)
  return total
}
