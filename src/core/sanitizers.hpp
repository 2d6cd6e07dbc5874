// What the code must know of a sanitizer build.
//
// PHYSR_SANITIZED: an AddressSanitizer or ThreadSanitizer build, whose allocator replaces
// glibc's, so glibc's own allocator calls (malloc_trim) are not made.
//
// PHYSR_TSAN, TsanRelease and TsanAcquire: happens-before annotations for ThreadSanitizer
// builds; no-ops otherwise. Debian's oneTBB is not built with ThreadSanitizer, so the edges a
// parallel_for creates (tasks start after the caller's earlier writes; the caller continues after
// every task's writes) are invisible to it. Code that hands data to parallel_for tasks marks those
// edges on one address: Release before the loop and at the end of each task, Acquire at the start
// of each task and after the loop.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define PHYSR_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PHYSR_TSAN 1
#endif
#endif

#if defined(__SANITIZE_ADDRESS__)
#define PHYSR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PHYSR_ASAN 1
#endif
#endif

#if defined(PHYSR_TSAN) || defined(PHYSR_ASAN)
#define PHYSR_SANITIZED 1
#endif

#if defined(PHYSR_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

namespace physr {

inline void TsanRelease([[maybe_unused]] const void* address) {
#if defined(PHYSR_TSAN)
  __tsan_release(const_cast<void*>(address));
#endif
}

inline void TsanAcquire([[maybe_unused]] const void* address) {
#if defined(PHYSR_TSAN)
  __tsan_acquire(const_cast<void*>(address));
#endif
}

}  // namespace physr
