"""Create a heap, allocate, free, print the statistics: the heapd service from Python.

Run a service (``npm start``, or ``heapd serve``), then ``python3 example.py``
(HEAPD_URL names another service).
"""

import os

from heapd_client import HeapdClient, HeapdError

heapd = HeapdClient(os.environ.get("HEAPD_URL", "http://127.0.0.1:3000"))

heap = heapd.create_heap(size=1024, strategy="first-fit")
a = heapd.alloc_block(heap["id"], size=100)
b = heapd.alloc_block(heap["id"], size=200)
heapd.free_block(heap["id"], a["ptr"])
c = heapd.alloc_block(heap["id"], size=50)  # first fit: the hole a left
print(f"a at {a['ptr']}, b at {b['ptr']}, then c at {c['ptr']}")

try:
    heapd.alloc_block(heap["id"], size=800)
except HeapdError as error:
    print(f"{error.code} ({error.status}): {error.problem['free']} bytes free, the largest range {error.problem['largestFree']}")

stats = heapd.get_stats(heap["id"])
print(f"used {stats['used']} of {stats['size']} bytes in {stats['liveBlocks']} blocks, fragmentation {stats['fragmentation']:.2f}")
heapd.delete_heap(heap["id"])
