/** The trace format, its parsers and the what-if replay (docs/traces.md). Pure: no I/O. */
export { ALLOC, FREE, REALLOC, TRACE_HEADER, TraceBuilder, TraceError, formatTraceLine, traceOp, traceOps } from './format.js'
export type { ParseOptions, Trace, TraceAlloc, TraceErrorReason, TraceFree, TraceOp, TraceRealloc } from './format.js'
export { parseTraceJson, parseTraceText } from './parse.js'
export { replayTrace } from './replay.js'
export type { ReplayOptions, ReplayResult, Spread, StrategyResult } from './replay.js'
export type { PeakLive } from './profile.js'
