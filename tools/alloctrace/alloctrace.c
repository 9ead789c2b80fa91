/*
 * alloctrace: an LD_PRELOAD library that records a program's heap allocations as a heapd trace
 * (docs/traces.md): `a <id> <size> [<align>]`, `f <id>`, `r <id> <size>`, one line per call.
 *
 *   ALLOCTRACE_OUT=prog.trace LD_PRELOAD=/path/liballoctrace.so prog ...
 *
 * Recorded: malloc, calloc, realloc, free, aligned_alloc, posix_memalign and memalign. Each block
 * gets an id when it is allocated; the allocator reuses pointers, ids are never reused, so a table
 * maps each live pointer to its id. A realloc in place is `r`; one that moves is an alloc of a new
 * id then a free of the old one (the copy needs both), as heapd records its own heaps. A free or
 * realloc of a pointer the table does not know (allocated before recording began, or by a call not
 * recorded) is not written, so the trace always obeys the format's rules.
 *
 * One process records (see start_recording): programs it starts and forked children do not write
 * the same file.
 *
 * Guards: dlsym may allocate while the real functions are being looked up, and is served from a
 * small static buffer then; a thread-local flag keeps the library's own allocations (none on the
 * common path: the table lives in mmap'd memory, lines are formatted by hand) out of the trace;
 * one mutex orders the lines of all threads. Lines are buffered and written with write(2).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void (*free_fn)(void *);
typedef void *(*aligned_alloc_fn)(size_t, size_t);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);

static malloc_fn real_malloc;
static calloc_fn real_calloc;
static realloc_fn real_realloc;
static free_fn real_free;
static aligned_alloc_fn real_aligned_alloc;
static posix_memalign_fn real_posix_memalign;
static aligned_alloc_fn real_memalign;

/* ---- bootstrap: allocations made while dlsym runs ---- */

static _Alignas(16) char bootstrap[64 * 1024];
static size_t bootstrap_used;
static int resolving;

static void *bootstrap_alloc(size_t size) {
  size_t start = (bootstrap_used + 15) & ~(size_t)15;
  if (start + size > sizeof bootstrap) return NULL;
  bootstrap_used = start + size;
  return bootstrap + start;
}

static int from_bootstrap(const void *ptr) {
  return (const char *)ptr >= bootstrap && (const char *)ptr < bootstrap + sizeof bootstrap;
}

static void resolve(void) {
  if (real_malloc != NULL || resolving) return;
  resolving = 1;
  real_malloc = (malloc_fn)dlsym(RTLD_NEXT, "malloc");
  real_calloc = (calloc_fn)dlsym(RTLD_NEXT, "calloc");
  real_realloc = (realloc_fn)dlsym(RTLD_NEXT, "realloc");
  real_free = (free_fn)dlsym(RTLD_NEXT, "free");
  real_aligned_alloc = (aligned_alloc_fn)dlsym(RTLD_NEXT, "aligned_alloc");
  real_posix_memalign = (posix_memalign_fn)dlsym(RTLD_NEXT, "posix_memalign");
  real_memalign = (aligned_alloc_fn)dlsym(RTLD_NEXT, "memalign");
  resolving = 0;
}

/* ---- state shared by all threads, under the mutex ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int in_hook __attribute__((tls_model("initial-exec")));
static int out_fd = -1;
/* Set in a forked child (pthread_atfork): cheaper than asking getpid() on every call. */
static int forked;
static uint64_t next_id;

static char line_buffer[64 * 1024];
static size_t buffered;

static void flush_lines(void) {
  size_t done = 0;
  while (done < buffered) {
    ssize_t n = write(out_fd, line_buffer + done, buffered - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break; /* a full disk ends the trace; the program itself goes on */
    done += (size_t)n;
  }
  buffered = 0;
}

static void put_text(const char *text) {
  while (*text != '\0') line_buffer[buffered++] = *text++;
}

static void put_number(uint64_t value) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) line_buffer[buffered++] = digits[--n];
}

/* Room for the longest line: a letter, three numbers of 20 digits, spaces and a newline. */
static void make_room(void) {
  if (buffered + 80 > sizeof line_buffer) flush_lines();
}

/* ---- live pointer -> id: open addressing in mmap'd memory, linear probing ---- */

#define EMPTY 0
#define TOMBSTONE 1

struct slot {
  uintptr_t ptr;
  uint64_t id;
};

static struct slot *slots;
static size_t capacity; /* a power of two */
static size_t used_slots; /* live and tombstones */

static size_t hash(uintptr_t ptr) {
  uint64_t x = (uint64_t)ptr;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (size_t)x;
}

static struct slot *new_table(size_t size) {
  void *memory = mmap(NULL, size * sizeof(struct slot), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return memory == MAP_FAILED ? NULL : (struct slot *)memory;
}

static int put_slot(struct slot *table, size_t size, uintptr_t ptr, uint64_t id) {
  for (size_t i = hash(ptr) & (size - 1);; i = (i + 1) & (size - 1)) {
    if (table[i].ptr == EMPTY || table[i].ptr == TOMBSTONE) {
      int fresh = table[i].ptr == EMPTY;
      table[i].ptr = ptr;
      table[i].id = id;
      return fresh;
    }
  }
}

/* Keeps the table at most half full, live entries and tombstones together. */
static int reserve_slot(void) {
  if (slots != NULL && (used_slots + 1) * 2 <= capacity) return 1;
  size_t live = 0;
  for (size_t i = 0; i < capacity; i++) live += slots[i].ptr > TOMBSTONE;
  size_t size = capacity == 0 ? (size_t)1 << 16 : capacity;
  while ((live + 1) * 4 > size) size *= 2;
  struct slot *table = new_table(size);
  if (table == NULL) return 0;
  for (size_t i = 0; i < capacity; i++) {
    if (slots[i].ptr > TOMBSTONE) put_slot(table, size, slots[i].ptr, slots[i].id);
  }
  if (slots != NULL) munmap(slots, capacity * sizeof(struct slot));
  slots = table;
  capacity = size;
  used_slots = live;
  return 1;
}

static struct slot *find_slot(uintptr_t ptr) {
  if (slots == NULL) return NULL;
  for (size_t i = hash(ptr) & (capacity - 1);; i = (i + 1) & (capacity - 1)) {
    if (slots[i].ptr == EMPTY) return NULL;
    if (slots[i].ptr == ptr) return &slots[i];
  }
}

/* ---- recording ---- */

static void mark_forked(void) {
  forked = 1;
}

/*
 * The first process to load the library records, and names itself in ALLOCTRACE_PID for the
 * programs it starts: a child (another pid) records nothing, while a program the process execs
 * (the same pid: a launcher script's interpreter, say) starts the trace afresh, its predecessor's
 * buffered lines gone with its image.
 */
__attribute__((constructor)) static void start_recording(void) {
  const char *path = getenv("ALLOCTRACE_OUT");
  if (path == NULL || *path == '\0') return;
  pid_t self = getpid();
  const char *owner = getenv("ALLOCTRACE_PID");
  if (owner != NULL && *owner != '\0' && (pid_t)atol(owner) != self) return;
  in_hook = 1;
  resolve();
  if (owner == NULL || *owner == '\0') {
    char digits[24];
    int n = 0;
    char reversed[24];
    for (unsigned long value = (unsigned long)self; n == 0 || value != 0; value /= 10) reversed[n++] = (char)('0' + value % 10);
    for (int i = 0; i < n; i++) digits[i] = reversed[n - 1 - i];
    digits[n] = '\0';
    setenv("ALLOCTRACE_PID", digits, 1);
  }
  out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd >= 0) {
    pthread_atfork(NULL, NULL, mark_forked);
    put_text("# alloc-trace v1\n# recorded by alloctrace\n");
  }
  in_hook = 0;
}

__attribute__((destructor)) static void stop_recording(void) {
  /* A forked child neither writes nor takes the lock, which a thread of its parent may have held. */
  if (out_fd < 0 || forked) return;
  pthread_mutex_lock(&lock);
  flush_lines();
  pthread_mutex_unlock(&lock);
}

/* Whether this call is one to record: the recording process, outside the library's own calls. */
static int recording(void) {
  return out_fd >= 0 && !in_hook && !forked;
}

/* Must hold the lock. Writes `f <id>` for the block at ptr, if known, and forgets it. */
static void freed(void *ptr) {
  struct slot *slot = find_slot((uintptr_t)ptr);
  if (slot == NULL) return;
  make_room();
  put_text("f ");
  put_number(slot->id);
  put_text("\n");
  slot->ptr = TOMBSTONE;
}

/* Must hold the lock. Writes `a <id> <size> [<align>]` for a new block at ptr. */
static void allocated(void *ptr, size_t size, size_t align) {
  /* A pointer still in the table was freed by a call not recorded: its block is gone. */
  freed(ptr);
  if (!reserve_slot()) return;
  uint64_t id = next_id++;
  used_slots += put_slot(slots, capacity, (uintptr_t)ptr, id);
  make_room();
  put_text("a ");
  put_number(id);
  put_text(" ");
  put_number(size == 0 ? 1 : size); /* malloc(0) answers a block of its own; traces count from 1 */
  /* The format takes powers of two up to 2^30. */
  if (align > 1 && (align & (align - 1)) == 0 && align <= ((size_t)1 << 30)) {
    put_text(" ");
    put_number(align);
  }
  put_text("\n");
}

static void record_alloc(void *ptr, size_t size, size_t align) {
  if (ptr == NULL || !recording()) return;
  in_hook = 1;
  pthread_mutex_lock(&lock);
  allocated(ptr, size, align);
  pthread_mutex_unlock(&lock);
  in_hook = 0;
}

/* ---- the recorded functions ---- */

void *malloc(size_t size) {
  resolve();
  if (real_malloc == NULL) return bootstrap_alloc(size);
  void *ptr = real_malloc(size);
  record_alloc(ptr, size, 0);
  return ptr;
}

void *calloc(size_t count, size_t size) {
  resolve();
  if (real_calloc == NULL) {
    if (size != 0 && count > SIZE_MAX / size) return NULL;
    return bootstrap_alloc(count * size); /* static memory starts zeroed */
  }
  void *ptr = real_calloc(count, size);
  record_alloc(ptr, count * size, 0);
  return ptr;
}

void free(void *ptr) {
  if (ptr == NULL || from_bootstrap(ptr)) return;
  resolve();
  if (real_free == NULL) return;
  if (recording()) {
    in_hook = 1;
    pthread_mutex_lock(&lock);
    freed(ptr);
    pthread_mutex_unlock(&lock);
    in_hook = 0;
  }
  real_free(ptr);
}

void *realloc(void *ptr, size_t size) {
  resolve();
  if (from_bootstrap(ptr)) {
    /* The bootstrap block's size is not kept: copy what the buffer holds from it, at most `size`. */
    void *moved = malloc(size);
    size_t available = (size_t)(bootstrap + sizeof bootstrap - (char *)ptr);
    if (moved != NULL) memcpy(moved, ptr, size < available ? size : available);
    return moved;
  }
  if (real_realloc == NULL) return NULL;
  if (!recording()) return real_realloc(ptr, size);
  in_hook = 1;
  /*
   * Under the lock across the call: another thread's malloc may be given `ptr` the moment the
   * real realloc frees it, and its line must come after this one.
   */
  pthread_mutex_lock(&lock);
  void *result = real_realloc(ptr, size);
  if (ptr == NULL) {
    if (result != NULL) allocated(result, size, 0);
  } else if (result == NULL) {
    if (size == 0) freed(ptr); /* realloc(p, 0) freed p */
  } else if (result == ptr) {
    struct slot *slot = find_slot((uintptr_t)ptr);
    if (slot != NULL) {
      make_room();
      put_text("r ");
      put_number(slot->id);
      put_text(" ");
      put_number(size == 0 ? 1 : size);
      put_text("\n");
    } else {
      allocated(result, size, 0);
    }
  } else {
    struct slot *slot = find_slot((uintptr_t)ptr);
    uint64_t old_id = slot != NULL ? slot->id : 0;
    if (slot != NULL) slot->ptr = TOMBSTONE;
    allocated(result, size, 0);
    if (slot != NULL) {
      make_room();
      put_text("f ");
      put_number(old_id);
      put_text("\n");
    }
  }
  pthread_mutex_unlock(&lock);
  in_hook = 0;
  return result;
}

void *aligned_alloc(size_t align, size_t size) {
  resolve();
  if (real_aligned_alloc == NULL) return NULL;
  void *ptr = real_aligned_alloc(align, size);
  record_alloc(ptr, size, align);
  return ptr;
}

void *memalign(size_t align, size_t size) {
  resolve();
  if (real_memalign == NULL) return NULL;
  void *ptr = real_memalign(align, size);
  record_alloc(ptr, size, align);
  return ptr;
}

int posix_memalign(void **out, size_t align, size_t size) {
  resolve();
  if (real_posix_memalign == NULL) return ENOMEM;
  int error = real_posix_memalign(out, align, size);
  if (error == 0) record_alloc(*out, size, align);
  return error;
}
