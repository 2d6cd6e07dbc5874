// Entry point shared by the fuzz harnesses (tests/fuzz/*_fuzz.cpp): libFuzzer
// calls it with arbitrary bytes, and corpus_replay.cpp feeds it the checked-in
// corpus in the normal test suite. A harness returns 0; anything else it does
// (an exception other than InputError, a failed check, a sanitizer report) is a
// bug in the code under test.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace physr::fuzz {

// A failed harness invariant: aborts with a message (a libFuzzer crash, a ctest
// failure).
[[noreturn]] void Fail(const char* harness, const char* what);

}  // namespace physr::fuzz
