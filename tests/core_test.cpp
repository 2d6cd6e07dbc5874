#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>
#include <sstream>
#include <streambuf>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "physr/core/binary_io.hpp"
#include "physr/core/error.hpp"
#include "physr/core/hash.hpp"
#include "physr/core/rng.hpp"
#include "support/input_error.hpp"

namespace physr {

TEST_CASE("Rng is reproducible per (seed, stream) and streams differ") {
  Rng a(42, 0), b(42, 0), c(42, 1), d(43, 0);
  for (int i = 0; i < 100; ++i) {
    const auto x = a();
    CHECK(x == b());
    CHECK(x != c());
    CHECK(x != d());
  }
}

TEST_CASE("Rng uniform and normal moments match their distributions") {
  Rng rng(7);
  const int n = 200000;
  double sum = 0, sum2 = 0, nsum = 0, nsum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.Uniform01();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
    sum2 += u * u;
    const double z = rng.Normal();
    nsum += z;
    nsum2 += z * z;
  }
  CHECK(sum / n == doctest::Approx(0.5).epsilon(0.01));
  CHECK(sum2 / n - (sum / n) * (sum / n) == doctest::Approx(1.0 / 12).epsilon(0.02));
  CHECK(std::abs(nsum / n) < 0.01);
  CHECK(nsum2 / n == doctest::Approx(1.0).epsilon(0.02));
}

TEST_CASE("Rng::Below covers its range without bias and state round-trips") {
  Rng rng(3);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) ++counts[rng.Below(7)];
  for (int c : counts) CHECK(std::abs(c - 10000) < 500);
  const auto state = rng.GetState();
  const double x = rng.Normal(), y = rng.Normal();
  rng.SetState(state);
  CHECK(rng.Normal() == x);
  CHECK(rng.Normal() == y);
}

TEST_CASE("Mix is the combine-and-multiply step, and its helpers feed it in order") {
  // The step written out: checkpoint fingerprints depend on these exact values.
  const auto step = [](std::uint64_t h, std::uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
  };
  const std::uint64_t hashes[] = {0, 1, 0x243f6a8885a308d3ULL};
  const std::uint64_t values[] = {0, 7, ~std::uint64_t{0}};
  for (const std::uint64_t h : hashes) {
    for (const std::uint64_t v : values) {
      CHECK(Mix(h, v) == step(h, v));
    }
  }
  static_assert(Mix(1, 2) != Mix(2, 1));

  const std::vector<double> doubles{1.5, -0.0, 0.0, 1e300, -2.25};
  std::uint64_t expected = 11;
  for (const double x : doubles) {
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    expected = step(expected, bits);
  }
  CHECK(MixDoubles(11, doubles) == expected);
  CHECK(MixDouble(0, 0.0) != MixDouble(0, -0.0));  // bit patterns, not values

  const std::vector<std::int32_t> ints{3, -1, 0, 1 << 30};
  expected = 5;
  for (const std::int32_t x : ints) {
    expected = step(expected, static_cast<std::uint64_t>(std::int64_t{x}));
  }
  CHECK(MixIntegers(5, std::span<const std::int32_t>(ints)) == expected);
  const std::vector<std::int32_t> swapped{-1, 3, 0, 1 << 30};
  CHECK(MixIntegers(5, std::span<const std::int32_t>(swapped)) != expected);

  // Strings carry their length, so the split between two strings matters.
  CHECK(MixString(MixString(0, "ab"), "c") != MixString(MixString(0, "a"), "bc"));
  CHECK(MixString(0, "") != 0);
  CHECK(MixString(9, "xy") == step(step(step(9, 2), 'x'), 'y'));
}

TEST_CASE("Fnv1a and Avalanche are 64-bit FNV-1a and the fmix64 half") {
  const std::vector<std::uint16_t> ids{0, 5, 65535, 12};
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const std::uint16_t id : ids) {
    h ^= id;
    h *= 0x100000001B3ULL;
  }
  CHECK(Fnv1a(kFnv1aOffset, std::span<const std::uint16_t>(ids)) == h);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  CHECK(Avalanche(Fnv1a(kFnv1aOffset, std::span<const std::uint16_t>(ids))) == h);
}

TEST_CASE("Mix keeps distinct short inputs distinct") {
  std::unordered_set<std::uint64_t> seen;
  int inserted = 0;
  for (std::uint64_t a = 0; a < 64; ++a) {
    for (std::uint64_t b = 0; b < 64; ++b) {
      inserted += seen.insert(Mix(Mix(0x5048595352434b50ULL, a), b)).second ? 1 : 0;
    }
  }
  CHECK(inserted == 64 * 64);
}

namespace {

// A stream buffer over a string that cannot seek, like a pipe.
class PipeBuffer : public std::streambuf {
 public:
  explicit PipeBuffer(std::string bytes) : bytes_(std::move(bytes)) {
    setg(bytes_.data(), bytes_.data(), bytes_.data() + bytes_.size());
  }

 private:
  std::string bytes_;
};

// A header, a few values, a block and a matrix, as a policy or checkpoint file has them.
std::string SampleFile() {
  std::ostringstream out(std::ios::binary);
  BinaryWriter w(out);
  w.Header("PHYSRTST", 3);
  w.Put(std::int32_t{-7});
  w.Put(2.5);
  w.Put(std::uint8_t{1});
  w.Block("abc");
  Eigen::MatrixXf m(2, 3);
  m << 1, 2, 3, 4, 5, 6;
  w.Matrix(m);
  return out.str();
}

// Reads what SampleFile wrote; throws InputError where the file is cut short.
struct Sample {
  std::int32_t i = 0;
  double d = 0.0;
  std::uint8_t flag = 0;
  std::string block;
  Eigen::MatrixXf m;
};
Sample ReadAll(BinaryReader& r) {
  Sample s;
  r.Header("PHYSRTST", 3);
  s.i = r.Get<std::int32_t>();
  s.d = r.Get<double>();
  s.flag = r.Get<std::uint8_t>();
  s.block = r.Block();
  r.Matrix(s.m, 2, 3, "m");
  return s;
}

void ReadSample(BinaryReader& r) {
  const Sample s = ReadAll(r);
  CHECK(s.i == -7);
  CHECK(s.d == 2.5);
  CHECK(s.flag == 1);
  CHECK(s.block == "abc");
  CHECK(s.m(1, 0) == 4.0f);
  CHECK(s.m(0, 2) == 3.0f);
}

}  // namespace

TEST_CASE("BinaryWriter lays out values in native order, without padding") {
  const std::string bytes = SampleFile();
  // magic 8, version 4, marker 4, int32 4, double 8, uint8 1, block 8 + 3, matrix 16 + 24.
  REQUIRE(bytes.size() == 8 + 4 + 4 + 4 + 8 + 1 + 11 + 40);
  CHECK(bytes.substr(0, 8) == "PHYSRTST");
  std::uint32_t version, marker;
  std::memcpy(&version, bytes.data() + 8, 4);
  std::memcpy(&marker, bytes.data() + 12, 4);
  CHECK(version == 3);
  CHECK(marker == kByteOrderMarker);
  std::uint64_t block_size;
  std::memcpy(&block_size, bytes.data() + 29, 8);
  CHECK(block_size == 3);
  std::int64_t rows, cols;
  std::memcpy(&rows, bytes.data() + 40, 8);
  std::memcpy(&cols, bytes.data() + 48, 8);
  CHECK(rows == 2);
  CHECK(cols == 3);
  float column_major[6];
  std::memcpy(column_major, bytes.data() + 56, sizeof column_major);
  CHECK(column_major[1] == 4.0f);  // (1, 0) follows (0, 0)
}

TEST_CASE("BinaryReader reads back from memory, seekable and unseekable streams") {
  const std::string bytes = SampleFile();
  {
    BinaryReader r(std::string_view(bytes), "memory");
    CHECK(r.remaining() == bytes.size());
    ReadSample(r);
    CHECK(r.position() == bytes.size());
    CHECK(r.remaining() == 0);
  }
  {
    // Two files back to back: each reader stops where its file ends.
    std::istringstream in(bytes + bytes, std::ios::binary);
    BinaryReader first(in, "stream");
    CHECK(first.remaining() == 2 * bytes.size());
    ReadSample(first);
    BinaryReader second(in, "stream");
    CHECK(second.remaining() == bytes.size());
    ReadSample(second);
  }
  {
    PipeBuffer pipe(bytes);
    std::istream in(&pipe);
    BinaryReader r(in, "pipe");
    CHECK_FALSE(r.remaining().has_value());
    ReadSample(r);
    CHECK(r.position() == bytes.size());
  }
}

TEST_CASE("BinaryReader: every truncation is an InputError naming the source") {
  const std::string bytes = SampleFile();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    const std::string cut = bytes.substr(0, n);
    const std::string memory = testing::InputErrorOf([&] {
      BinaryReader r(std::string_view(cut), "file 'x'");
      ReadAll(r);
    });
    CHECK(memory.rfind("file 'x': ", 0) == 0);
    const std::string stream = testing::InputErrorOf([&] {
      std::istringstream in(cut, std::ios::binary);
      BinaryReader r(in, "file 'x'");
      ReadAll(r);
    });
    CHECK(stream == memory);
    const std::string pipe = testing::InputErrorOf([&] {
      PipeBuffer buffer(cut);
      std::istream in(&buffer);
      BinaryReader r(in, "file 'x'");
      ReadAll(r);
    });
    CHECK(pipe.rfind("file 'x': ", 0) == 0);
  }
  CHECK(testing::InputErrorOf([&] {
          BinaryReader r(std::string_view(bytes).substr(0, 4), "f");
          ReadAll(r);
        }) == "f: not a PHYSRTST file");
  CHECK(testing::InputErrorOf([&] {
          BinaryReader r(std::string_view(bytes).substr(0, 60), "f");
          ReadAll(r);
        }) == "f: truncated file in block m");
}

TEST_CASE("BinaryReader checks sizes before allocating") {
  std::ostringstream out(std::ios::binary);
  BinaryWriter w(out);
  w.Put(std::uint64_t{1} << 60);  // a damaged count or block size
  w.Bytes("tail");
  const std::string bytes = out.str();
  CHECK(testing::InputErrorOf([&] {
          BinaryReader r(std::string_view(bytes), "f");
          r.Count(8);
        }) == "f: truncated or damaged file");
  CHECK(testing::InputErrorOf([&] {
          std::istringstream in(bytes, std::ios::binary);
          BinaryReader r(in, "f");
          r.Block();
        }) == "f: truncated or damaged file");
  // Unseekable: the count cannot be checked, but reading the block stops at the data's end.
  CHECK(testing::InputErrorOf([&] {
          PipeBuffer pipe(bytes);
          std::istream in(&pipe);
          BinaryReader r(in, "f");
          r.Block();
        }) == "f: truncated file");
  // A count of empty items needs no bytes.
  BinaryReader r(std::string_view(bytes), "f");
  CHECK(r.Count(0) == std::size_t{1} << 60);
}

TEST_CASE("BinaryReader::Header and Matrix name what is wrong") {
  const std::string bytes = SampleFile();
  const auto error = [](std::string file, std::size_t at, char byte, const char* not_this = "") {
    file[at] = byte;
    return testing::InputErrorOf([&] {
      BinaryReader r(std::string_view(file), "f");
      r.Header("PHYSRTST", 3, not_this);
    });
  };
  CHECK(error(bytes, 0, 'X') == "f: not a PHYSRTST file");
  CHECK(error(bytes, 0, 'X', "not a test file") == "f: not a test file");
  CHECK(error(bytes, 8, 4) == "f: unsupported format version 4");
  CHECK(error(bytes, 12, 9) == "f: written with another byte order");
  CHECK(testing::InputErrorOf([&] {
          BinaryReader r(std::string_view(bytes), "f");
          r.Header("PHYSRTST", 3);
          r.Get<std::int32_t>();
          r.Get<double>();
          r.Get<std::uint8_t>();
          r.Block();
          Eigen::MatrixXf m;
          r.Matrix(m, 3, 2, "w_out");
        }) == "f: block w_out is 2x3, expected 3x2");
  CHECK(testing::InputErrorOf([] { BinaryReader(std::string_view(), "f").Fail("why"); }) ==
        "f: why");
}

}  // namespace physr
