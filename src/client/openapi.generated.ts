// Generated from openapi/openapi.json by `npm run openapi` (openapi-typescript): do not edit.

export interface paths {
    "/heaps": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List heaps
         * @description Heaps in creation order, a page at a time. Follow `nextCursor` until it is null; cursors stay valid when heaps are deleted.
         */
        get: operations["listHeaps"];
        put?: never;
        /**
         * Create a heap
         * @description Creates an empty heap: the address range [0, size), managed by the chosen strategy. Answers the heap with a Location header naming it. The heap ID is unguessable (128 random bits).
         */
        post: operations["createHeap"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/heaps/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a heap
         * @description The heap's settings and current statistics.
         */
        get: operations["getHeap"];
        put?: never;
        post?: never;
        /**
         * Delete a heap
         * @description Deletes the heap and every block in it. Its ID is never reused.
         */
        delete: operations["deleteHeap"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/heaps/{id}/reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Free every block
         * @description Frees every block at once. Counters (allocs, frees, peaks) are kept. Answers the heap. The body may be absent, empty or `{}`.
         */
        post: operations["resetHeap"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/heaps/{id}/alloc": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Allocate a block
         * @description Reserves `size` bytes and answers the block's pointer (its offset in the heap), aligned to max(align, the heap's alignment). 409 out-of-memory when no free range fits, with `reason` `full` (not enough free bytes) or `fragmented` (enough in total, not contiguous).
         */
        post: operations["allocBlock"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/heaps/{id}/blocks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List live blocks
         * @description Live blocks in address order, a page at a time. Follow `nextCursor` until it is null.
         */
        get: operations["listBlocks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/heaps/{id}/blocks/{ptr}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a block
         * @description The live block starting at `ptr`. 404 block-not-found with `reason`: `out-of-bounds`, `free` (in free space) or `interior` (inside a block, not at its start).
         */
        get: operations["getBlock"];
        put?: never;
        post?: never;
        /**
         * Free a block
         * @description Frees the block starting at `ptr`; its range merges with free neighbours. A second free of the same pointer answers 404 block-not-found with reason `free`.
         */
        delete: operations["freeBlock"];
        options?: never;
        head?: never;
        /**
         * Resize a block (realloc)
         * @description Resizes the block in place when it can, otherwise moves it; `moved` says which. On failure the block is unchanged.
         */
        patch: operations["reallocBlock"];
        trace?: never;
    };
    "/heaps/{id}/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Run many ops in one request
         * @description Runs up to 10000 alloc, free and realloc ops in order and answers one result per op. Without `atomic`, each op succeeds or fails on its own (`ok: false` carries its problem). With `"atomic": true`, the first failing op answers its problem with its `index` and the heap is left exactly as before.
         */
        post: operations["runBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/heaps/{id}/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Heap statistics
         * @description Used and free bytes, the largest free range, fragmentation (1 - largestFree / free), Sawicki's metric, live blocks, free ranges, peaks and counters. O(1).
         */
        get: operations["getStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/heaps/{id}/layout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Heap layout
         * @description Without `buckets`: used and free segments in address order, tiling [0, size), a page at a time (the cursor is an offset, so pages stay consistent while the heap changes). With `buckets=N`: used bytes in each of N equal-width buckets of [from, to), for a heap of any size; narrow `from` and `to` to zoom in.
         */
        get: operations["getLayout"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/heaps/{id}/defrag": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Plan a defragmentation
         * @description Plans block moves that win back contiguous free space, and opens the plan: each destination is reserved (no alloc, realloc or other plan can take it) and each moving block pinned (its free or realloc answers 409 block-moving) until the plan is committed, aborted or expires. Copy `size` bytes from `ptr` to `newPtr` for each move in your own resource, then commit. An empty plan (nothing worth moving) is a valid answer. One open plan per heap: 409 defrag-in-progress otherwise; 409 out-of-memory when no plan can make the `hole` asked for. The body may be absent.
         */
        post: operations["createDefragPlan"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/heaps/{id}/defrag/{planId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read a defragmentation plan
         * @description The plan, open or committed (then with its `result`, until `expiresAt`). 410 plan-expired once an open plan passed its `expiresAt`; 404 plan-not-found for an aborted or unknown plan.
         */
        get: operations["getDefragPlan"];
        put?: never;
        post?: never;
        /**
         * Abort a defragmentation plan
         * @description Releases the plan's reservations and pins: nothing moves. 409 plan-committed for a committed plan, 410 plan-expired once it passed its `expiresAt`.
         */
        delete: operations["abortDefragPlan"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/heaps/{id}/defrag/{planId}/commit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Commit a defragmentation plan
         * @description Call once every copy is made: each block moves to its `newPtr` with its tag and alignment, its old range becomes free, and the moves listed in `skipped` are released instead. A second commit answers the same result. 410 plan-expired after `expiresAt`. The body may be absent.
         */
        post: operations["commitDefragPlan"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/heaps/{id}/trace": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A recording heap's history
         * @description The allocs, frees and reallocs of a heap created with `record: true`, in order, as a trace: text lines `a <id> <size> [<align>]`, `f <id>`, `r <id> <size>` (docs/traces.md), or JSON ops with `Accept: application/json`. Ids stand for blocks and are never reused; a realloc that moved is a free and an alloc of a new id. A header comment line tells whether the recording is complete (see the heap's `recording`). Replay it on every strategy with POST /replays?heap={id}.
         */
        get: operations["getTrace"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/replays": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replay a trace on every strategy
         * @description What if: the trace (text/plain in the trace format, JSON `{trace, strategies?, size?, alignment?}`, or `?heap=` a recording heap's own history) replayed on first-fit, best-fit and tlsf, each with its peak footprint, overhead, failures on a heap of `size`, fragmentation and speed, against the floor (peak live bytes, and an offline placement that knows every lifetime), with a series of at most about 500 samples to plot. Bodies up to HEAPD_REPLAY_BODY_LIMIT (67108864 bytes, after gzip is undone; Content-Encoding: gzip accepted), traces up to HEAPD_MAX_REPLAY_OPS (5000000) ops; at most HEAPD_MAX_CONCURRENT_REPLAYS (2) replays run at once (429 too-many-replays beyond). A trace that breaks a rule answers 400 invalid-trace naming its `line` (text) or `index` (JSON ops). docs/traces.md defines every field.
         */
        post: operations["replayTrace"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness
         * @description Answers 200 while the process serves requests.
         */
        get: operations["healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness
         * @description Answers 200 when the service takes traffic; 503 not-ready once it is shutting down, 503 unavailable while the store cannot commit changes.
         */
        get: operations["readyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * @example {
         *       "trace": [
         *         {
         *           "op": "alloc",
         *           "id": 0,
         *           "size": 4096
         *         },
         *         {
         *           "op": "alloc",
         *           "id": 1,
         *           "size": 64,
         *           "align": 16
         *         },
         *         {
         *           "op": "free",
         *           "id": 0
         *         }
         *       ],
         *       "strategies": [
         *         "first-fit",
         *         "tlsf"
         *       ]
         *     }
         */
        ReplayRequestInput: {
            /** @description The trace; omitted with ?heap=. */
            trace?: string | unknown[];
            /** @description Strategies to replay on, in this order; all when omitted. */
            strategies?: ("first-fit" | "best-fit" | "tlsf")[];
            /**
             * @description Replay on heaps of this many bytes, counting failures; when omitted, heaps large enough that nothing fails.
             * @example 1073741824
             */
            size?: number;
            /**
             * @description The heaps' alignment, as POST /heaps takes it; 1 when omitted.
             * @example 16
             */
            alignment?: number;
        };
        Problem: {
            /**
             * @description https://heapd.dev/problems/<code>; the code is stable.
             * @example https://heapd.dev/problems/out-of-memory
             */
            type: string;
            /** @example Out of memory */
            title: string;
            status: number;
            /** @example out of memory: 4096 bytes requested, 6144 free but the largest free range is 2048 bytes */
            detail: string;
            /**
             * @description The request path.
             * @example /heaps/3q2-7wAAAAD8tYc0QmH1Kg/alloc
             */
            instance: string;
            /** @description out-of-memory: `full` or `fragmented`; block-not-found: `out-of-bounds`, `free` or `interior`; invalid-trace: the rule broken (docs/traces.md). */
            reason?: string;
            /** @description out-of-memory, exceeds-heap-size: bytes requested. */
            requested?: number;
            /** @description out-of-memory: total free bytes. */
            free?: number;
            /** @description out-of-memory: the largest free range. */
            largestFree?: number;
            /** @description exceeds-heap-size: the heap's size. */
            heapSize?: number;
            /** @description block-not-found: the pointer given; block-moving: the moving block. */
            ptr?: number;
            /** @description block-moving, defrag-in-progress, plan-not-found, plan-expired, plan-committed: the defragmentation plan concerned. */
            planId?: string;
            /** @description block-not-found with reason `interior`: the start of the block containing ptr. */
            blockPtr?: number;
            /** @description Atomic batch: index of the op that failed; invalid-trace in JSON ops: index (0-based) of the bad op. */
            index?: number;
            /** @description invalid-trace in the text format: the line (1-based) that breaks a rule. */
            line?: number;
            /**
             * @description quota-exceeded, payload-too-large: the name of the limit reached.
             * @example maxBlocksPerHeap
             */
            limit?: string;
            /** @description quota-exceeded, payload-too-large: the limit's setting (bytes for bodyLimit). */
            limitValue?: number;
            /** @description validation-error: the issues found, at most 20. */
            issues?: {
                /**
                 * @description Which part of the request.
                 * @enum {string}
                 */
                in: "body" | "params" | "querystring" | "headers";
                /**
                 * @description JSON Pointer to the offending value within that part ("" for the whole).
                 * @example /size
                 */
                path: string;
                message: string;
            }[];
            /** @description validation-error: how many further issues were found and not listed. */
            moreIssues?: number;
            /** @description internal-error: quote it when reporting the problem. */
            requestId?: string;
        };
        /**
         * @example {
         *       "results": [
         *         {
         *           "ok": true,
         *           "op": "alloc",
         *           "ptr": 0,
         *           "size": 4096,
         *           "tag": "a"
         *         },
         *         {
         *           "ok": true,
         *           "op": "alloc",
         *           "ptr": 4096,
         *           "size": 1024
         *         },
         *         {
         *           "ok": true,
         *           "op": "free",
         *           "ptr": 0,
         *           "size": 4096,
         *           "tag": "a"
         *         }
         *       ]
         *     }
         */
        BatchResponse: {
            /** @description One per op, in order. */
            results: ({
                /** @constant */
                ok: true;
                /** @enum {string} */
                op: "alloc" | "free" | "realloc";
                ptr: number;
                size: number;
                align?: number;
                tag?: string;
                /** @description realloc only. */
                moved?: boolean;
            } | {
                /** @constant */
                ok: false;
                /** @enum {string} */
                op: "alloc" | "free" | "realloc";
                error: components["schemas"]["Problem"];
            })[];
        };
        /**
         * @example {
         *       "ptr": 0,
         *       "size": 4096,
         *       "align": 256,
         *       "tag": "texture"
         *     }
         */
        Block: {
            /** @description The block's pointer: its offset in the heap. */
            ptr: number;
            size: number;
            /** @description The alignment requested at allocation, if any. */
            align?: number;
            tag?: string;
        };
        /**
         * @example {
         *       "ptr": 0,
         *       "size": 8192,
         *       "moved": false
         *     }
         */
        ReallocResult: {
            /** @description The block's pointer: its offset in the heap. */
            ptr: number;
            size: number;
            /** @description The alignment requested at allocation, if any. */
            align?: number;
            tag?: string;
            /** @description Whether the block moved (ptr changed) or was resized in place. */
            moved: boolean;
        };
        BlockList: {
            items: components["schemas"]["Block"][];
            /** @description Pass as `cursor` for the next page; null on the last page. */
            nextCursor: string | null;
        };
        /**
         * @example {
         *       "size": 1048576,
         *       "used": 4096,
         *       "free": 1044480,
         *       "largestFree": 1040384,
         *       "liveBlocks": 2,
         *       "freeRanges": 2,
         *       "fragmentation": 0.0039,
         *       "sawicki": 0.0039,
         *       "peakUsed": 8192,
         *       "peakLiveBlocks": 3,
         *       "allocs": 3,
         *       "frees": 1,
         *       "reallocs": 0,
         *       "failedAllocs": 0
         *     }
         */
        Stats: {
            /** @description Heap size in bytes. */
            size: number;
            /** @description Bytes in live blocks. */
            used: number;
            /** @description Bytes not in any block. */
            free: number;
            /** @description The largest contiguous free range: the largest block that can be allocated now (alignment permitting). */
            largestFree: number;
            liveBlocks: number;
            /** @description Number of disjoint free ranges. */
            freeRanges: number;
            /** @description 1 - largestFree / free; 0 when nothing is free. */
            fragmentation: number;
            /** @description Sawicki's metric: 1 - sqrt(sum f^2) / sum f over free ranges f. */
            sawicki: number;
            peakUsed: number;
            peakLiveBlocks: number;
            allocs: number;
            frees: number;
            reallocs: number;
            failedAllocs: number;
        };
        LayoutStats: {
            /** @description The largest contiguous free range. */
            largestFree: number;
            /** @description Number of disjoint free ranges. */
            freeRanges: number;
            /** @description 1 - largestFree / free; 0 when nothing is free. */
            fragmentation: number;
            /** @description Sawicki's metric: 1 - sqrt(sum f^2) / sum f over free ranges f. */
            sawicki: number;
        };
        DefragMove: {
            /** @description The block's pointer now: copy from here. */
            ptr: number;
            /** @description Where the block goes: copy to here. Free space now, disjoint from every block and every other destination. */
            newPtr: number;
            /** @description Bytes to copy. */
            size: number;
            /** @description The alignment the block asked for, if any. */
            align?: number;
            /** @description The block's tag, if any. */
            tag?: string;
        };
        DefragMoveResult: {
            ptr: number;
            newPtr: number;
            size: number;
        };
        DefragCommitResult: {
            /** @description The moves applied: each block is now at `newPtr`, with its tag and alignment. */
            moved: components["schemas"]["DefragMoveResult"][];
            /** @description The moves skipped: each block stayed at `ptr`. */
            skipped: components["schemas"]["DefragMoveResult"][];
            stats: components["schemas"]["Stats"];
        };
        /**
         * @example {
         *       "id": "kZ1cU8mS0mEo2Xo9v7Dx4A",
         *       "goal": "compact",
         *       "state": "open",
         *       "expiresAt": "2026-01-01T00:01:00.000Z",
         *       "moves": [
         *         {
         *           "ptr": 8192,
         *           "newPtr": 0,
         *           "size": 4096,
         *           "tag": "texture"
         *         }
         *       ],
         *       "bytesMoved": 4096,
         *       "before": {
         *         "largestFree": 4096,
         *         "freeRanges": 2,
         *         "fragmentation": 0.5,
         *         "sawicki": 0.29
         *       },
         *       "after": {
         *         "largestFree": 8192,
         *         "freeRanges": 1,
         *         "fragmentation": 0,
         *         "sawicki": 0
         *       }
         *     }
         */
        DefragPlan: {
            /** @description The plan ID (128 random bits): name it in commit, read and abort. */
            id: string;
            /** @enum {string} */
            goal: "compact" | "hole";
            /**
             * @description `open` until committed; a committed plan is kept, with its `result`, until `expiresAt`.
             * @enum {string}
             */
            state: "open" | "committed";
            /** @description When an open plan is aborted on its own (ISO 8601); its commit then answers 410 plan-expired. */
            expiresAt: string;
            /** @description In increasing `ptr` order. The copies may be made in any order, even in parallel. */
            moves: components["schemas"]["DefragMove"][];
            /** @description The sum of the moves' sizes. */
            bytesMoved: number;
            /** @description The heap's layout figures when the plan was made. */
            before: components["schemas"]["LayoutStats"];
            /** @description The layout figures once every move is committed, if nothing else changes in between. */
            after: components["schemas"]["LayoutStats"];
            /** @description A committed plan: what its commit answered. */
            result?: components["schemas"]["DefragCommitResult"];
        };
        /**
         * @example {
         *       "id": "3q2-7wAAAAD8tYc0QmH1Kg",
         *       "size": 1048576,
         *       "strategy": "best-fit",
         *       "alignment": 16,
         *       "name": "gpu-arena",
         *       "createdAt": "2026-01-01T00:00:00.000Z",
         *       "stats": {
         *         "size": 1048576,
         *         "used": 4096,
         *         "free": 1044480,
         *         "largestFree": 1044480,
         *         "liveBlocks": 1,
         *         "freeRanges": 1,
         *         "fragmentation": 0,
         *         "sawicki": 0,
         *         "peakUsed": 4096,
         *         "peakLiveBlocks": 1,
         *         "allocs": 1,
         *         "frees": 0,
         *         "reallocs": 0,
         *         "failedAllocs": 0
         *       }
         *     }
         */
        Heap: {
            /**
             * @description The heap ID returned by POST /heaps.
             * @example 3q2-7wAAAAD8tYc0QmH1Kg
             */
            id: string;
            size: number;
            /**
             * @description Placement policy: `first-fit` (lowest address), `best-fit` (smallest range that fits), `tlsf` (O(1) segregated fit).
             * @enum {string}
             */
            strategy: "first-fit" | "best-fit" | "tlsf";
            alignment: number;
            name?: string;
            /**
             * @description ISO 8601 time of creation.
             * @example 2026-01-01T00:00:00.000Z
             */
            createdAt: string;
            /**
             * @description ISO 8601 time at which the heap is deleted unless a request reads or changes it before; every such request moves it. Absent when the server lets heaps live forever (HEAPD_HEAP_TTL unset).
             * @example 2026-01-01T01:00:00.000Z
             */
            expiresAt?: string;
            stats: components["schemas"]["Stats"];
            /** @description Present on a heap created with `record: true`. */
            recording?: {
                /** @description Ops recorded so far. */
                ops: number;
                /** @description False once the history outgrew HEAPD_MAX_RECORDED_OPS: the recording stopped there. */
                complete: boolean;
            };
        };
        HeapList: {
            items: components["schemas"]["Heap"][];
            /** @description Pass as `cursor` for the next page; null on the last page. */
            nextCursor: string | null;
        };
        LayoutSegment: {
            offset: number;
            size: number;
            /**
             * @description `reserved`: the destination of a move of an open defragmentation plan, neither a block nor free.
             * @enum {string}
             */
            state: "used" | "free" | "reserved";
            /** @description Used segments: the block's pointer (equal to offset). */
            ptr?: number;
            tag?: string;
        };
        /**
         * @description Used and free segments in address order; together they tile [0, size).
         * @example {
         *       "items": [
         *         {
         *           "offset": 0,
         *           "size": 4096,
         *           "state": "used",
         *           "ptr": 0,
         *           "tag": "texture"
         *         },
         *         {
         *           "offset": 4096,
         *           "size": 1044480,
         *           "state": "free"
         *         }
         *       ],
         *       "nextCursor": null
         *     }
         */
        Layout: {
            items: components["schemas"]["LayoutSegment"][];
            /** @description Pass as `cursor` for the next page; null on the last page. */
            nextCursor: string | null;
        };
        /**
         * @description Used bytes per equal-width bucket of [from, to).
         * @example {
         *       "from": 0,
         *       "to": 1048576,
         *       "bucketSize": 524288,
         *       "buckets": [
         *         {
         *           "offset": 0,
         *           "size": 524288,
         *           "used": 4096
         *         },
         *         {
         *           "offset": 524288,
         *           "size": 524288,
         *           "used": 0
         *         }
         *       ]
         *     }
         */
        Occupancy: {
            from: number;
            to: number;
            /** @description Width of each bucket in bytes; the last may be narrower. */
            bucketSize: number;
            buckets: {
                offset: number;
                size: number;
                used: number;
            }[];
        };
        /**
         * @description A heap's history as trace ops (docs/traces.md), in order.
         * @example [
         *       {
         *         "op": "alloc",
         *         "id": 0,
         *         "size": 4096
         *       },
         *       {
         *         "op": "alloc",
         *         "id": 1,
         *         "size": 64,
         *         "align": 16
         *       },
         *       {
         *         "op": "realloc",
         *         "id": 0,
         *         "size": 8192
         *       },
         *       {
         *         "op": "free",
         *         "id": 1
         *       }
         *     ]
         */
        RecordedTrace: ({
            /** @constant */
            op: "alloc";
            /** @description The block's id in the trace: one per block, never reused. */
            id: number;
            size: number;
            /**
             * @description A power of two up to 2^30.
             * @example 16
             */
            align?: number;
        } | {
            /** @constant */
            op: "free";
            /** @description The block's id in the trace: one per block, never reused. */
            id: number;
        } | {
            /** @constant */
            op: "realloc";
            /** @description The block's id in the trace: one per block, never reused. */
            id: number;
            size: number;
        })[];
        Replay: {
            ops: number;
            /** @description The heap size every strategy replayed on. */
            size: number;
            /** @description False when the size was chosen large enough never to fail. */
            sizeGiven: boolean;
            peakLive: {
                /** @description Highest sum of live block sizes after any op. */
                bytes: number;
                /** @description Live blocks at that moment. */
                blocks: number;
                /** @description Index (0-based) of the first op after which live bytes peak; -1 for an empty trace. */
                at: number;
            };
            floor: {
                /** @description The lower bound of any placement's footprint: peakLive.bytes. */
                bytes: number;
                /** @description Footprint of an offline placement knowing every lifetime (floor.method): achievable, so the floor lies between bytes and offline. */
                offline: number;
                method: string;
            };
            results: {
                /**
                 * @description Placement policy: `first-fit` (lowest address), `best-fit` (smallest range that fits), `tlsf` (O(1) segregated fit).
                 * @enum {string}
                 */
                strategy: "first-fit" | "best-fit" | "tlsf";
                /** @description The highest end offset (ptr + size) ever in use. */
                peakFootprint: number;
                /** @description peakFootprint / peakLive.bytes - 1. */
                overhead: number;
                /** @description peakFootprint / floor.offline - 1: negative where the strategy beats the offline placement. */
                overheadVsOffline: number;
                /** @description Allocations (and growing reallocs) that found no room; 0 when no size was given. */
                failures: number;
                /** @description Index (0-based) of the first op that failed; null when none did. */
                firstFailureAt: number | null;
                /** @description 1 - largestFree / free (HeapStats), sampled along the replay: highest and mean. */
                fragmentation: {
                    max: number;
                    mean: number;
                };
                /** @description 1 - sqrt(sum of free ranges squared) / free (HeapStats), sampled along the replay: highest and mean. */
                sawicki: {
                    max: number;
                    mean: number;
                };
                /** @description Wall-clock nanoseconds per op of this strategy's replay on the server, its bookkeeping included. */
                nsPerOp: number;
            }[];
            series: {
                /** @description Op indices of the samples (at most about 500, the last op included). */
                at: number[];
                /** @description Live bytes after each sampled op. */
                live: number[];
                /** @description Per strategy: the highest end offset in use after each sampled op. */
                footprint: {
                    [key: string]: number[];
                };
            };
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listHeaps: {
        parameters: {
            query?: {
                /** @description Items per page, 1 to 1000 (HEAPD_MAX_PAGE_SIZE); 100 when omitted. */
                limit?: string;
                /** @description The `nextCursor` of the previous page, unchanged. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of heaps. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HeapList"];
                };
            };
            /** @description Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createHeap: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: a retry with the same key (a UUID, say) answers the first answer and applies nothing again, for HEAPD_IDEMPOTENCY_TTL seconds. The same key with a different request answers 422 idempotency-key-reused; while the first request runs, 409 idempotency-key-in-flight. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "size": 1048576,
                 *       "strategy": "best-fit",
                 *       "alignment": 16,
                 *       "name": "gpu-arena"
                 *     }
                 */
                "application/json": {
                    /**
                     * @description Heap size in bytes: the heap is the range [0, size).
                     * @example 1048576
                     */
                    size: number;
                    /**
                     * @description `first-fit` when omitted.
                     * @enum {string}
                     */
                    strategy?: "first-fit" | "best-fit" | "tlsf";
                    /**
                     * @description Default alignment of every block (a power of two); 1 when omitted.
                     * @example 16
                     */
                    alignment?: number;
                    /**
                     * @description A label for people, 1 to 128 characters.
                     * @example gpu-arena
                     */
                    name?: string;
                    /** @description Keep the heap's history of allocs, frees and reallocs as a trace (GET /heaps/{id}/trace), up to HEAPD_MAX_RECORDED_OPS ops; false when omitted. */
                    record?: boolean;
                };
            };
        };
        responses: {
            /** @description The new heap; Location names it. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Heap"];
                };
            };
            /** @description Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No free range fits (out-of-memory), the block moves in an open defragmentation plan (block-moving), the heap has an open plan (defrag-in-progress), the plan is committed already (plan-committed), or the first request with this Idempotency-Key is still running (idempotency-key-in-flight). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body over the size limit (payload-too-large); `limitValue` is the limit in bytes. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body is not JSON (unsupported-media-type). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The Idempotency-Key was used before with a different request: method, path or body (idempotency-key-reused). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getHeap: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The heap with its statistics. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Heap"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteHeap: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    resetHeap: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: a retry with the same key (a UUID, say) answers the first answer and applies nothing again, for HEAPD_IDEMPOTENCY_TTL seconds. The same key with a different request answers 422 idempotency-key-reused; while the first request runs, 409 idempotency-key-in-flight. */
                "idempotency-key"?: string;
            };
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description The heap, now empty. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Heap"];
                };
            };
            /** @description Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No free range fits (out-of-memory), the block moves in an open defragmentation plan (block-moving), the heap has an open plan (defrag-in-progress), the plan is committed already (plan-committed), or the first request with this Idempotency-Key is still running (idempotency-key-in-flight). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The Idempotency-Key was used before with a different request: method, path or body (idempotency-key-reused). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    allocBlock: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: a retry with the same key (a UUID, say) answers the first answer and applies nothing again, for HEAPD_IDEMPOTENCY_TTL seconds. The same key with a different request answers 422 idempotency-key-reused; while the first request runs, 409 idempotency-key-in-flight. */
                "idempotency-key"?: string;
            };
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "size": 4096,
                 *       "align": 256,
                 *       "tag": "texture"
                 *     }
                 */
                "application/json": {
                    /**
                     * @description Block size in bytes.
                     * @example 4096
                     */
                    size: number;
                    /**
                     * @description Alignment of this block (a power of two); the heap's alignment applies at least.
                     * @example 16
                     */
                    align?: number;
                    /**
                     * @description A label of your choice for the block, 1 to 64 characters.
                     * @example texture
                     */
                    tag?: string;
                };
            };
        };
        responses: {
            /** @description The new block; Location names it. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Block"];
                };
            };
            /** @description Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No free range fits (out-of-memory), the block moves in an open defragmentation plan (block-moving), the heap has an open plan (defrag-in-progress), the plan is committed already (plan-committed), or the first request with this Idempotency-Key is still running (idempotency-key-in-flight). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body over the size limit (payload-too-large); `limitValue` is the limit in bytes. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body is not JSON (unsupported-media-type). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The Idempotency-Key was used before with a different request: method, path or body (idempotency-key-reused). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listBlocks: {
        parameters: {
            query?: {
                /** @description Items per page, 1 to 1000 (HEAPD_MAX_PAGE_SIZE); 100 when omitted. */
                limit?: string;
                /** @description The `nextCursor` of the previous page, unchanged. */
                cursor?: string;
            };
            header?: never;
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of live blocks. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BlockList"];
                };
            };
            /** @description Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getBlock: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
                /** @description The block's pointer (offset in the heap), in decimal. */
                ptr: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The block. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Block"];
                };
            };
            /** @description Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    freeBlock: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: a retry with the same key (a UUID, say) answers the first answer and applies nothing again, for HEAPD_IDEMPOTENCY_TTL seconds. The same key with a different request answers 422 idempotency-key-reused; while the first request runs, 409 idempotency-key-in-flight. */
                "idempotency-key"?: string;
            };
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
                /** @description The block's pointer (offset in the heap), in decimal. */
                ptr: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Freed. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No free range fits (out-of-memory), the block moves in an open defragmentation plan (block-moving), the heap has an open plan (defrag-in-progress), the plan is committed already (plan-committed), or the first request with this Idempotency-Key is still running (idempotency-key-in-flight). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The Idempotency-Key was used before with a different request: method, path or body (idempotency-key-reused). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    reallocBlock: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: a retry with the same key (a UUID, say) answers the first answer and applies nothing again, for HEAPD_IDEMPOTENCY_TTL seconds. The same key with a different request answers 422 idempotency-key-reused; while the first request runs, 409 idempotency-key-in-flight. */
                "idempotency-key"?: string;
            };
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
                /** @description The block's pointer (offset in the heap), in decimal. */
                ptr: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description The new size in bytes.
                     * @example 8192
                     */
                    size: number;
                };
            };
        };
        responses: {
            /** @description The block after the resize. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReallocResult"];
                };
            };
            /** @description Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No free range fits (out-of-memory), the block moves in an open defragmentation plan (block-moving), the heap has an open plan (defrag-in-progress), the plan is committed already (plan-committed), or the first request with this Idempotency-Key is still running (idempotency-key-in-flight). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body over the size limit (payload-too-large); `limitValue` is the limit in bytes. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body is not JSON (unsupported-media-type). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The Idempotency-Key was used before with a different request: method, path or body (idempotency-key-reused). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    runBatch: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: a retry with the same key (a UUID, say) answers the first answer and applies nothing again, for HEAPD_IDEMPOTENCY_TTL seconds. The same key with a different request answers 422 idempotency-key-reused; while the first request runs, 409 idempotency-key-in-flight. */
                "idempotency-key"?: string;
            };
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "ops": [
                 *         {
                 *           "op": "alloc",
                 *           "size": 4096,
                 *           "tag": "a"
                 *         },
                 *         {
                 *           "op": "alloc",
                 *           "size": 1024
                 *         },
                 *         {
                 *           "op": "free",
                 *           "ptr": 0
                 *         }
                 *       ],
                 *       "atomic": true
                 *     }
                 */
                "application/json": {
                    /** @description Run in order. */
                    ops: ({
                        /** @enum {string} */
                        op: "alloc";
                        size: number;
                        /**
                         * @description A power of two up to 2^30.
                         * @example 16
                         */
                        align?: number;
                        /**
                         * @description A label of your choice for the block, 1 to 64 characters.
                         * @example texture
                         */
                        tag?: string;
                    } | {
                        /** @enum {string} */
                        op: "free";
                        ptr: number;
                    } | {
                        /** @enum {string} */
                        op: "realloc";
                        ptr: number;
                        size: number;
                    })[];
                    /** @description When true, either every op succeeds or none is applied; the first failure answers its problem with its `index`. */
                    atomic?: boolean;
                };
            };
        };
        responses: {
            /** @description One result per op, in order (also when some failed, unless atomic). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchResponse"];
                };
            };
            /** @description Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No free range fits (out-of-memory), the block moves in an open defragmentation plan (block-moving), the heap has an open plan (defrag-in-progress), the plan is committed already (plan-committed), or the first request with this Idempotency-Key is still running (idempotency-key-in-flight). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body over the size limit (payload-too-large); `limitValue` is the limit in bytes. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body is not JSON (unsupported-media-type). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The Idempotency-Key was used before with a different request: method, path or body (idempotency-key-reused). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getStats: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The heap's statistics. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Stats"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getLayout: {
        parameters: {
            query?: {
                /** @description Items per page, 1 to 1000 (HEAPD_MAX_PAGE_SIZE); 100 when omitted. */
                limit?: string;
                /** @description The `nextCursor` of the previous page, unchanged. */
                cursor?: string;
                /** @description Answer occupancy in this many equal-width buckets (1 to 10000) instead of segments. */
                buckets?: string;
                /** @description With `buckets`: start of the range to cover (default 0). */
                from?: string;
                /** @description With `buckets`: end of the range to cover, exclusive (default the heap size). */
                to?: string;
            };
            header?: never;
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of segments (Layout), or with `buckets` the occupancy (Occupancy). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Layout"] | components["schemas"]["Occupancy"];
                };
            };
            /** @description Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createDefragPlan: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: a retry with the same key (a UUID, say) answers the first answer and applies nothing again, for HEAPD_IDEMPOTENCY_TTL seconds. The same key with a different request answers 422 idempotency-key-reused; while the first request runs, 409 idempotency-key-in-flight. */
                "idempotency-key"?: string;
            };
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /**
                     * @description `compact` (default): move blocks towards lower addresses so that free space gathers into as few, as large ranges as the limits allow. `hole`: make one free range of at least `size` bytes aligned to `align`, moving as few bytes as possible.
                     * @enum {string}
                     */
                    goal?: "compact" | "hole";
                    /**
                     * @description `hole` only, and required there: bytes the free range must hold.
                     * @example 65536
                     */
                    size?: number;
                    /**
                     * @description `hole` only: alignment of the free range's start; the heap's alignment at least.
                     * @example 16
                     */
                    align?: number;
                    /** @description The most bytes the plan may move (the sum of its moves' sizes); unlimited when omitted. */
                    maxBytes?: number;
                    /** @description The most moves the plan may hold; unlimited when omitted. */
                    maxMoves?: number;
                    /** @description Seconds the plan stays open before it is aborted on its own: 60 when omitted, at most 3600 (HEAPD_MAX_DEFRAG_TTL). */
                    ttl?: number;
                };
            };
        };
        responses: {
            /** @description The open plan; Location names it. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DefragPlan"];
                };
            };
            /** @description Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No free range fits (out-of-memory), the block moves in an open defragmentation plan (block-moving), the heap has an open plan (defrag-in-progress), the plan is committed already (plan-committed), or the first request with this Idempotency-Key is still running (idempotency-key-in-flight). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body over the size limit (payload-too-large); `limitValue` is the limit in bytes. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body is not JSON (unsupported-media-type). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The Idempotency-Key was used before with a different request: method, path or body (idempotency-key-reused). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getDefragPlan: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
                /**
                 * @description The plan ID returned by POST /heaps/{id}/defrag.
                 * @example kZ1cU8mS0mEo2Xo9v7Dx4A
                 */
                planId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The plan. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DefragPlan"];
                };
            };
            /** @description Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The defragmentation plan passed its expiresAt and was aborted (plan-expired). */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    abortDefragPlan: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: a retry with the same key (a UUID, say) answers the first answer and applies nothing again, for HEAPD_IDEMPOTENCY_TTL seconds. The same key with a different request answers 422 idempotency-key-reused; while the first request runs, 409 idempotency-key-in-flight. */
                "idempotency-key"?: string;
            };
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
                /**
                 * @description The plan ID returned by POST /heaps/{id}/defrag.
                 * @example kZ1cU8mS0mEo2Xo9v7Dx4A
                 */
                planId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Aborted. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No free range fits (out-of-memory), the block moves in an open defragmentation plan (block-moving), the heap has an open plan (defrag-in-progress), the plan is committed already (plan-committed), or the first request with this Idempotency-Key is still running (idempotency-key-in-flight). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The defragmentation plan passed its expiresAt and was aborted (plan-expired). */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The Idempotency-Key was used before with a different request: method, path or body (idempotency-key-reused). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    commitDefragPlan: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: a retry with the same key (a UUID, say) answers the first answer and applies nothing again, for HEAPD_IDEMPOTENCY_TTL seconds. The same key with a different request answers 422 idempotency-key-reused; while the first request runs, 409 idempotency-key-in-flight. */
                "idempotency-key"?: string;
            };
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
                /**
                 * @description The plan ID returned by POST /heaps/{id}/defrag.
                 * @example kZ1cU8mS0mEo2Xo9v7Dx4A
                 */
                planId: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @description Sources (`ptr`) of the moves whose copy was not made: those blocks stay where they are and their destinations are released. */
                    skipped?: number[];
                };
            };
        };
        responses: {
            /** @description The moves applied and skipped, and the heap's statistics after them. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DefragCommitResult"];
                };
            };
            /** @description Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No free range fits (out-of-memory), the block moves in an open defragmentation plan (block-moving), the heap has an open plan (defrag-in-progress), the plan is committed already (plan-committed), or the first request with this Idempotency-Key is still running (idempotency-key-in-flight). */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The defragmentation plan passed its expiresAt and was aborted (plan-expired). */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body over the size limit (payload-too-large); `limitValue` is the limit in bytes. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body is not JSON (unsupported-media-type). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The Idempotency-Key was used before with a different request: method, path or body (idempotency-key-reused). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getTrace: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The heap ID returned by POST /heaps.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The history, streamed. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                    "application/json": components["schemas"]["RecordedTrace"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    replayTrace: {
        parameters: {
            query?: {
                /**
                 * @description Replay this recording heap's own history (created with `record: true`) instead of a trace in the body.
                 * @example 3q2-7wAAAAD8tYc0QmH1Kg
                 */
                heap?: string;
                /** @description For a text/plain body or ?heap=: strategies to replay on, comma-separated. */
                strategies?: string;
                /** @description For a text/plain body or ?heap=: the heap size (see the JSON body's `size`). */
                size?: string;
                /** @description For a text/plain body or ?heap=: the heaps' alignment (see the JSON body's `alignment`). */
                alignment?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": string | components["schemas"]["ReplayRequestInput"];
                "text/plain": string | components["schemas"]["ReplayRequestInput"];
            };
        };
        responses: {
            /** @description Each strategy's costs on the trace, against the floor. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Replay"];
                };
            };
            /** @description Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key (unauthorized). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body over the size limit (payload-too-large); `limitValue` is the limit in bytes. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body is not JSON (unsupported-media-type). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays). */
            429: {
                headers: {
                    /** @description Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time). */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "retry-after"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "ok";
                    };
                };
            };
        };
    };
    readyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready for traffic. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "ready";
                    };
                };
            };
            /** @description The service is shutting down (not-ready): send new work to another instance. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
