// Little helpers for the policy's binary checkpoint formats (private to src/policy).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <cstring>
#include <istream>
#include <ostream>
#include <string>

#include "physr/core/error.hpp"

namespace physr::detail {

inline constexpr std::uint32_t kByteOrderMarker = 0x01020304u;

template <typename T>
void WritePod(std::ostream& out, const T& value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof(T));
}

template <typename T>
T ReadPod(std::istream& in, const char* what) {
  T value{};
  in.read(reinterpret_cast<char*>(&value), sizeof(T));
  if (!in) throw InputError(std::string(what) + ": truncated file");
  return value;
}

inline void WriteMagic(std::ostream& out, const char (&magic)[9], std::uint32_t version) {
  out.write(magic, 8);
  WritePod(out, version);
  WritePod(out, kByteOrderMarker);
}

inline void ReadMagic(std::istream& in, const char (&magic)[9], std::uint32_t version,
                      const char* what) {
  char got[8];
  in.read(got, 8);
  if (!in || std::memcmp(got, magic, 8) != 0)
    throw InputError(std::string(what) + ": not a " + std::string(magic, 8) + " file");
  const auto got_version = ReadPod<std::uint32_t>(in, what);
  if (got_version != version)
    throw InputError(std::string(what) + ": unsupported format version " +
                     std::to_string(got_version));
  if (ReadPod<std::uint32_t>(in, what) != kByteOrderMarker)
    throw InputError(std::string(what) + ": written with another byte order");
}

inline void WriteMatrix(std::ostream& out, const Eigen::MatrixXf& m) {
  WritePod(out, static_cast<std::int64_t>(m.rows()));
  WritePod(out, static_cast<std::int64_t>(m.cols()));
  out.write(reinterpret_cast<const char*>(m.data()),
            static_cast<std::streamsize>(sizeof(float) * static_cast<std::size_t>(m.size())));
}

// Reads a block that must have the given shape.
inline void ReadMatrix(std::istream& in, Eigen::MatrixXf& m, Eigen::Index rows, Eigen::Index cols,
                       const char* what, const char* name) {
  const auto r = ReadPod<std::int64_t>(in, what);
  const auto c = ReadPod<std::int64_t>(in, what);
  if (r != rows || c != cols)
    throw InputError(std::string(what) + ": block " + name + " is " + std::to_string(r) + "x" +
                     std::to_string(c) + ", expected " + std::to_string(rows) + "x" +
                     std::to_string(cols));
  m.resize(rows, cols);
  in.read(reinterpret_cast<char*>(m.data()),
          static_cast<std::streamsize>(sizeof(float) * static_cast<std::size_t>(m.size())));
  if (!in) throw InputError(std::string(what) + ": truncated file in block " + name);
}

}  // namespace physr::detail
