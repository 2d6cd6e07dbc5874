#include "physr/core/binary_io.hpp"

#include <algorithm>
#include <utility>

#include "physr/core/error.hpp"

namespace physr {

void BinaryWriter::Header(std::string_view magic, std::uint32_t version) {
  PHYSR_CHECK(magic.size() == 8, "a file magic has 8 bytes");
  Bytes(magic);
  Put(version);
  Put(kByteOrderMarker);
}

BinaryReader::BinaryReader(std::string_view bytes, std::string what)
    : bytes_(bytes), size_(bytes.size()), what_(std::move(what)) {}

BinaryReader::BinaryReader(std::istream& in, std::string what) : in_(&in), what_(std::move(what)) {
  // The length from here to the end, where the stream can seek; its position is restored.
  if (!in) return;
  const std::istream::pos_type start = in.tellg();
  if (start == std::istream::pos_type(-1)) return;
  const std::ios::iostate state = in.rdstate();
  in.seekg(0, std::ios::end);
  const std::istream::pos_type end = in.tellg();
  in.clear(state);
  in.seekg(start);
  if (!in) {  // cannot go back: read as if nothing were known
    in.clear(state);
    return;
  }
  if (end != std::istream::pos_type(-1) && end >= start) {
    size_ = static_cast<std::size_t>(end - start);
  }
}

std::optional<std::size_t> BinaryReader::remaining() const {
  if (!size_) return std::nullopt;
  return *size_ - position_;
}

bool BinaryReader::TryRead(void* data, std::size_t n) {
  if (in_ == nullptr) {
    if (n > bytes_.size() - position_) {
      position_ = bytes_.size();
      return false;
    }
    if (n > 0) std::memcpy(data, bytes_.data() + position_, n);
    position_ += n;
    return true;
  }
  in_->read(static_cast<char*>(data), static_cast<std::streamsize>(n));
  position_ += static_cast<std::size_t>(in_->gcount());
  return static_cast<bool>(*in_);
}

void BinaryReader::Read(void* data, std::size_t n, std::string_view where) {
  if (TryRead(data, n)) return;
  std::string why = "truncated file";
  if (!where.empty()) why.append(" in ").append(where);
  Fail(why);
}

std::string BinaryReader::Bytes(std::size_t n) {
  if (const auto left = remaining(); left && n > *left) Fail("truncated file");
  std::string out;
  if (size_) {
    out.resize(n);
    Read(out.data(), n);
    return out;
  }
  // Length unknown: grow with what arrives, so a huge n from a damaged file allocates no more
  // than the data that is there.
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  while (out.size() < n) {
    const std::size_t chunk = std::min(kChunk, n - out.size());
    const std::size_t at = out.size();
    out.resize(at + chunk);
    Read(out.data() + at, chunk);
  }
  return out;
}

std::size_t BinaryReader::Count(std::size_t item_size) {
  const auto n = Get<std::uint64_t>();
  if (const auto left = remaining(); left && item_size > 0 && n > *left / item_size) {
    Fail("truncated or damaged file");
  }
  return static_cast<std::size_t>(n);
}

void BinaryReader::Header(std::string_view magic, std::uint32_t version,
                          std::string_view not_this) {
  PHYSR_CHECK(magic.size() == 8, "a file magic has 8 bytes");
  char got[8];
  if (!TryRead(got, sizeof got) || std::memcmp(got, magic.data(), sizeof got) != 0) {
    Fail(not_this.empty() ? "not a " + std::string(magic) + " file" : std::string(not_this));
  }
  if (const auto got_version = Get<std::uint32_t>(); got_version != version) {
    Fail("unsupported format version " + std::to_string(got_version));
  }
  if (Get<std::uint32_t>() != kByteOrderMarker) Fail("written with another byte order");
}

void BinaryReader::Fail(const std::string& why) const { throw InputError(what_ + ": " + why); }

void BinaryReader::FailShape(std::int64_t r, std::int64_t c, Eigen::Index rows, Eigen::Index cols,
                             std::string_view name) const {
  Fail("block " + std::string(name) + " is " + std::to_string(r) + "x" + std::to_string(c) +
       ", expected " + std::to_string(rows) + "x" + std::to_string(cols));
}

}  // namespace physr
