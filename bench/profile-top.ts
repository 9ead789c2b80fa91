/**
 * Top functions by self time in a V8 CPU profile, as a table. Profile a replay, then read it:
 *   npx tsc -p tsconfig.bench.json && node --cpu-prof --cpu-prof-dir=bench/results/prof .bench-build/bench/index.js --no-naive --no-million --strategies=tlsf real-python
 *   npx tsx bench/profile-top.ts bench/results/prof/*.cpuprofile [N]
 * Several profiles are summed.
 */
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { printTable } from './table.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  hitCount?: number
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const args = process.argv.slice(2)
const files = args.filter((a) => a.endsWith('.cpuprofile'))
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 20)
if (files.length === 0) throw new Error('usage: tsx bench/profile-top.ts <file.cpuprofile>... [N]')

// Self time per node from the sample stream, then summed per function (name + place).
const selfByFunction = new Map<string, number>()
let total = 0
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  // Idle time is the process waiting (here: mostly tsx's loader thread), not work.
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id))
  const selfByNode = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const node = profile.samples[i]!
    const dt = profile.timeDeltas[i] ?? 0
    if (idle.has(node)) continue
    selfByNode.set(node, (selfByNode.get(node) ?? 0) + dt)
    total += dt
  }
  for (const node of profile.nodes) {
    const self = selfByNode.get(node.id) ?? 0
    if (self === 0) continue
    const { functionName, url, lineNumber } = node.callFrame
    const where = url === '' ? '' : ` ${relative(process.cwd(), url.replace(/^file:\/\//, ''))}:${lineNumber + 1}`
    const key = `${functionName || '(anonymous)'}${where}`
    selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + self)
  }
}
const top = [...selfByFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, count)
printTable(`top ${top.length} functions by self time (${(total / 1e6).toFixed(1)} s sampled in ${files.length} profile(s))`, ['function', 'self ms', 'self %'], top.map(([name, us]) => [
  name, (us / 1e3).toFixed(0), `${(us / total * 100).toFixed(1)} %`
]))
