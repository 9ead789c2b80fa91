/**
 * `--key=value` and `--flag` arguments of the bench commands, by key; a value keeps any further `=`.
 * With `known`, a key outside it throws, naming the known ones.
 */
export function flagsOf (argv: readonly string[], known?: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>()
  for (const arg of argv) {
    const text = arg.replace(/^--/, '')
    const at = text.indexOf('=')
    if (at < 0) flags.set(text, 'true')
    else flags.set(text.slice(0, at), text.slice(at + 1))
  }
  for (const key of flags.keys()) {
    if (known !== undefined && !known.includes(key)) throw new Error(`unknown option --${key} (known: ${known.map((k) => `--${k}`).join(', ')})`)
  }
  return flags
}
