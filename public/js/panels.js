// The selected heap's words around the map: its header line, the stats tiles, the legend.

import { FREE_COLOR, USED_COLOR, UNTAGGED_COLOR, formatBytes, formatBytesShort, formatNumber, formatPercent, mixColor, tagColor } from './format.js'

export function renderHeader (heap) {
  document.getElementById('map-title').textContent = heap.name ? `Heap ${heap.name}` : 'Heap'
  document.getElementById('heap-meta').textContent = `${heap.strategy} · ${formatBytes(heap.size)} · alignment ${heap.alignment} · id ${heap.id}`
}

export function renderStats (dl, stats) {
  const bytes = (n) => [formatBytesShort(n), n >= 1024 ? `${formatNumber(n)} B` : '']
  const values = {
    used: [`${formatBytesShort(stats.used)} · ${formatPercent(stats.used / stats.size)}`, stats.used >= 1024 ? `${formatNumber(stats.used)} B` : ''],
    free: bytes(stats.free),
    largestFree: bytes(stats.largestFree),
    fragmentation: [formatPercent(stats.fragmentation), ''],
    sawicki: [formatPercent(stats.sawicki), ''],
    liveBlocks: [formatNumber(stats.liveBlocks), ''],
    freeRanges: [formatNumber(stats.freeRanges), ''],
    peakUsed: bytes(stats.peakUsed),
    allocsFrees: [`${formatNumber(stats.allocs)} / ${formatNumber(stats.frees)}`, ''],
    failedAllocs: [formatNumber(stats.failedAllocs), '']
  }
  for (const dd of dl.querySelectorAll('[data-stat]')) {
    const [value, exact] = values[dd.dataset.stat] ?? ['—', '']
    if (dd.dataset.value === value + exact) continue
    dd.dataset.value = value + exact
    const main = document.createElement('span')
    main.textContent = value
    dd.replaceChildren(main)
    if (exact) {
      // The exact count under the rounded one: 64 KiB heaps and 1 TiB heaps both stay readable.
      const small = document.createElement('span')
      small.className = 'exact'
      small.textContent = exact
      dd.append(small)
    }
  }
}

export function renderLegend (legend, mode, spans, colors) {
  const entries = [['free', FREE_COLOR, 'free']]
  if (mode === 'buckets') {
    entries.push(['partly used', mixColor(FREE_COLOR, USED_COLOR, 0.5)], ['full', USED_COLOR])
  } else {
    const tags = [...new Set(spans.filter((s) => s.state === 'used').map((s) => s.tag ?? ''))].sort()
    for (const tag of tags.slice(0, 12)) entries.push([tag === '' ? 'untagged' : `tag ${tag}`, tag === '' ? UNTAGGED_COLOR : colors.get(tag) ?? tagColor(tag)])
    if (tags.length > 12) entries.push([`and ${tags.length - 12} more tags`, '#ffffff'])
  }
  const signature = JSON.stringify(entries)
  if (legend.dataset.signature === signature) return
  legend.dataset.signature = signature
  legend.replaceChildren(...entries.map(([label, color, kind]) => {
    const li = document.createElement('li')
    const swatch = document.createElement('span')
    swatch.className = `swatch ${kind ?? ''}`
    swatch.style.backgroundColor = color
    li.append(swatch, label)
    return li
  }))
}
