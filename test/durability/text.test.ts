/**
 * Tags and heap names come back from a SQLite store exactly as they were given: every well-formed
 * string, astral characters (surrogate pairs) and other unusual text included.
 */
import t from 'tap'
import { observable, open, tempFile } from './helpers.js'

const TEXTS = [
  '🧠', // one astral character: a surrogate pair in UTF-16, 4 bytes in UTF-8
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕙𝕖𝕒𝕡', // mathematical alphanumerics, all astral
  '👩‍💻👨‍👩‍👧‍👦', // emoji joined by zero-width joiners
  '🇫🇷🏳️‍🌈', // regional indicators and a variation selector
  'e\u0301 é', // a combining accent beside the precomposed letter: not normalised
  'שָׁלוֹם עולם', // right-to-left, with points
  '漢字かなカナ한국어', // CJK
  '\u0000nul inside\u0000', // NUL, which C strings would cut
  '\uFEFFbom', // a byte order mark at the start
  '\uFFFF\uFFFE', // noncharacters, still well-formed
  '\u{10FFFF}', // the last code point
  'tab\tnewline\nreturn\r', // control characters
  '   ', // spaces only
  "quote ' double \" backslash \\ percent % underscore _",
  'x'.repeat(4096)
]

t.test('tags and names, astral and unusual, round-trip a restart exactly', async (t) => {
  const file = tempFile(t)
  const first = open(t, file)
  const heaps = TEXTS.map((name, i) => first.registry.create({ size: 1 << 20, strategy: (['first-fit', 'best-fit', 'tlsf'] as const)[i % 3], name }))
  for (const heap of heaps) {
    for (const tag of TEXTS) heap.alloc(16, undefined, tag)
    // A moved block keeps its tag.
    heap.realloc(heap.blocks(0, 1).items[0]!.ptr, 1 << 16)
  }
  const before = heaps.map(observable)
  first.stop()

  const second = open(t, file)
  const after = heaps.map((heap) => observable(second.registry.get(heap.id)))
  t.same(after, before)
  for (const [i, heap] of after.entries()) {
    t.equal(heap.description.name, TEXTS[i], `name ${i} is the same string, code unit for code unit`)
    t.same(heap.blocks.map((block) => block.tag).sort(), [...TEXTS].sort(), `heap ${i}: every tag`)
  }
})
