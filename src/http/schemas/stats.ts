import { z } from 'zod'

const bytes = z.int().min(0)

export const Stats = z.object({
  size: bytes.meta({ description: 'Heap size in bytes.' }),
  used: bytes.meta({ description: 'Bytes in live blocks.' }),
  free: bytes.meta({ description: 'Bytes not in any block.' }),
  largestFree: bytes.meta({ description: 'The largest contiguous free range: the largest block that can be allocated now (alignment permitting).' }),
  liveBlocks: bytes,
  freeRanges: bytes.meta({ description: 'Number of disjoint free ranges.' }),
  fragmentation: z.number().min(0).max(1).meta({ description: '1 - largestFree / free; 0 when nothing is free.' }),
  sawicki: z.number().min(0).max(1).meta({ description: 'Sawicki\'s metric: 1 - sqrt(sum f^2) / sum f over free ranges f.' }),
  peakUsed: bytes,
  peakLiveBlocks: bytes,
  allocs: bytes,
  frees: bytes,
  reallocs: bytes,
  failedAllocs: bytes
}).meta({
  id: 'Stats',
  examples: [{
    size: 1048576,
    used: 4096,
    free: 1044480,
    largestFree: 1040384,
    liveBlocks: 2,
    freeRanges: 2,
    fragmentation: 0.0039,
    sawicki: 0.0039,
    peakUsed: 8192,
    peakLiveBlocks: 3,
    allocs: 3,
    frees: 1,
    reallocs: 0,
    failedAllocs: 0
  }]
})
