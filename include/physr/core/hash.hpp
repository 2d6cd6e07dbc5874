// Non-cryptographic 64-bit hashing for hash sets, caches and fingerprints: one step `Mix`
// that folds a 64-bit value into a running hash, and helpers that feed it doubles (by bit
// pattern), strings and spans. Deterministic (no random seeding): the same inputs hash the
// same in every run and thread. Values that outlive a run depend on these definitions: a
// search checkpoint stores a fingerprint built with Mix, and HashTokens (Fnv1a) picks, through
// FitSeed, the restart streams of a constant fit; changing either changes those.
// Not here: hashes of engine types (HashTokens in expr/program.hpp, MixDimension in
// expr/dimension_hash.hpp).
#pragma once

#include <bit>
#include <concepts>
#include <cstdint>
#include <span>
#include <string_view>

namespace physr {

// Folds `v` into the running hash `h` (boost's hash_combine step, then a multiply by an odd
// constant so that the high bits depend on every input bit). Order matters:
// Mix(Mix(h, a), b) != Mix(Mix(h, b), a) in general. Start a chain from any fixed constant.
constexpr std::uint64_t Mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}

// The bit pattern of x: +0.0 and -0.0 differ, and a NaN matches only the same NaN payload,
// like a bitwise comparison of the values.
constexpr std::uint64_t MixDouble(std::uint64_t h, double x) {
  return Mix(h, std::bit_cast<std::uint64_t>(x));
}

// The length, then every byte (as unsigned char), so "ab" + "c" and "a" + "bc" differ.
constexpr std::uint64_t MixString(std::uint64_t h, std::string_view s) {
  h = Mix(h, s.size());
  for (const char c : s) h = Mix(h, static_cast<unsigned char>(c));
  return h;
}

// Every element in order, not the length (mix it first where lengths vary).
constexpr std::uint64_t MixDoubles(std::uint64_t h, std::span<const double> values) {
  for (const double x : values) h = MixDouble(h, x);
  return h;
}

// Every element in order, extended to 64 bits (signed ones sign-extended), not the length.
template <std::integral T>
constexpr std::uint64_t MixIntegers(std::uint64_t h, std::span<const T> values) {
  for (const T x : values) h = Mix(h, static_cast<std::uint64_t>(static_cast<std::int64_t>(x)));
  return h;
}

// 64-bit FNV-1a steps over integers: each value, extended to 64 bits (signed ones
// sign-extended), is XORed in whole and the hash multiplied by the FNV prime. Start from
// kFnv1aOffset (or a value derived from it) and finish with Avalanche. Kept as a second scheme
// only because HashTokens is defined by it and its values seed the constant fitter's restarts;
// new code uses Mix.
template <std::integral T>
constexpr std::uint64_t Fnv1a(std::uint64_t h, std::span<const T> values) {
  for (const T x : values) {
    h ^= static_cast<std::uint64_t>(static_cast<std::int64_t>(x));
    h *= 0x100000001B3ULL;
  }
  return h;
}
inline constexpr std::uint64_t kFnv1aOffset = 0xcbf29ce484222325ULL;

// Spreads every input bit over the high and low halves (half of MurmurHash3's fmix64), for
// a final step after a weak mixing loop such as Fnv1a.
constexpr std::uint64_t Avalanche(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

}  // namespace physr
