// Native binary files (checkpoints of the search, the policy and its optimizer): a writer of
// trivially copyable values, byte blocks and Eigen matrices, and a reader that checks every
// size against what is there, so a truncated or damaged file gives an InputError naming the
// file, never a crash or a huge allocation. Values are written in the machine's byte order;
// a header with a byte-order marker rejects files from another one.
// Not here: text formats (data/csv.hpp, the CLI's JSON).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>

#include <Eigen/Core>

namespace physr {

// Written after the magic and version of every header; reads back as another value on a
// machine with another byte order.
inline constexpr std::uint32_t kByteOrderMarker = 0x01020304u;

// Appends to a stream. Write errors are left in the stream's state for the caller to check.
class BinaryWriter {
 public:
  explicit BinaryWriter(std::ostream& out) : out_(&out) {}

  // The object representation of `value` (sizeof(T) bytes).
  template <typename T>
  requires std::is_trivially_copyable_v<T>
  void Put(const T& value) { out_->write(reinterpret_cast<const char*>(&value), sizeof(T)); }
  // The bytes alone, no size.
  void Bytes(std::string_view bytes) {
    out_->write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  // A sized block: the byte count as uint64, then the bytes (BinaryReader::Block reads it).
  void Block(std::string_view bytes) {
    Put(static_cast<std::uint64_t>(bytes.size()));
    Bytes(bytes);
  }
  // A file header: the 8 bytes of `magic`, `version` as uint32, kByteOrderMarker.
  void Header(std::string_view magic, std::uint32_t version);
  // A matrix: rows and columns as int64, then the coefficients in column-major order.
  template <typename Scalar>
  void Matrix(const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& m) {
    Put(static_cast<std::int64_t>(m.rows()));
    Put(static_cast<std::int64_t>(m.cols()));
    out_->write(reinterpret_cast<const char*>(m.data()),
                static_cast<std::streamsize>(sizeof(Scalar) * static_cast<std::size_t>(m.size())));
  }

  std::ostream& stream() const { return *out_; }

 private:
  std::ostream* out_;
};

// Reads what BinaryWriter wrote, from bytes in memory or from a stream. Every failure throws
// InputError("<what>: <why>"), `what` naming the source (e.g. "checkpoint '<path>'").
//
// Sizes read from the file are checked against the bytes left before anything is allocated
// for them. In memory the bytes left are known; for a stream they are when it can seek (files,
// string streams), and otherwise Count cannot check, though Bytes still stops at the end of
// the data without allocating more than is there. Not thread-safe.
class BinaryReader {
 public:
  // Over `bytes`, borrowed: they must outlive the reader.
  BinaryReader(std::string_view bytes, std::string what);
  // Over `in` from its current position, which the reader advances past what it reads (and
  // no further). `in` must outlive the reader.
  BinaryReader(std::istream& in, std::string what);

  // The next sizeof(T) bytes as a T; fails with "truncated file" when fewer are left.
  template <typename T>
  requires std::is_trivially_copyable_v<T> T Get() {
    T value{};
    Read(&value, sizeof(T));
    return value;
  }
  // The next `n` bytes into `data`; fails with "truncated file" (" in <where>" appended when
  // `where` is not empty) when fewer are left.
  void Read(void* data, std::size_t n, std::string_view where = {});
  // As Read, but false instead of failing (what was left is then consumed).
  bool TryRead(void* data, std::size_t n);
  // The next `n` bytes.
  std::string Bytes(std::size_t n);
  // A uint64 count of items of `item_size` bytes each, checked to fit in the bytes left
  // ("truncated or damaged file" otherwise) when those are known.
  std::size_t Count(std::size_t item_size);
  // A block written by BinaryWriter::Block.
  std::string Block() { return Bytes(Count(1)); }
  // A header written by BinaryWriter::Header: fails with `not_this` (default "not a <magic>
  // file") when the first 8 bytes are missing or differ from `magic`, with "unsupported
  // format version <v>" or "written with another byte order".
  void Header(std::string_view magic, std::uint32_t version, std::string_view not_this = {});
  // A matrix written by BinaryWriter::Matrix that must be rows × cols: fails with "block
  // <name> is RxC, expected rows x cols" before allocating, or "truncated file in block
  // <name>".
  template <typename Scalar>
  void Matrix(Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& m, Eigen::Index rows,
              Eigen::Index cols, std::string_view name) {
    const auto r = Get<std::int64_t>();
    const auto c = Get<std::int64_t>();
    if (r != rows || c != cols) FailShape(r, c, rows, cols, name);
    m.resize(rows, cols);
    Read(m.data(), sizeof(Scalar) * static_cast<std::size_t>(m.size()),
         std::string("block ").append(name));
  }

  [[noreturn]] void Fail(const std::string& why) const;
  const std::string& what() const { return what_; }
  // Bytes read so far.
  std::size_t position() const { return position_; }
  // Bytes left, when known.
  std::optional<std::size_t> remaining() const;

 private:
  [[noreturn]] void FailShape(std::int64_t r, std::int64_t c, Eigen::Index rows, Eigen::Index cols,
                              std::string_view name) const;

  std::string_view bytes_;           // memory mode
  std::istream* in_ = nullptr;       // stream mode
  std::optional<std::size_t> size_;  // total bytes from the start, when known
  std::size_t position_ = 0;
  std::string what_;
};

}  // namespace physr
