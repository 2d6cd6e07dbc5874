#include "physr/search/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <system_error>

#include "physr/core/error.hpp"

namespace physr {
namespace {

constexpr char kMagic[9] = "PHYSRCKP";
constexpr char kEndMagic[9] = "PHYSREND";
constexpr std::uint32_t kVersion = 2;
constexpr std::uint32_t kByteOrderMarker = 0x01020304u;
constexpr const char* kFileName = "search.ckpt";

std::uint64_t Mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}

std::uint64_t MixDouble(std::uint64_t h, double x) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return Mix(h, bits);
}

std::uint64_t MixString(std::uint64_t h, const std::string& s) {
  h = Mix(h, s.size());
  for (const char c : s) h = Mix(h, static_cast<unsigned char>(c));
  return h;
}

std::uint64_t MixDimension(std::uint64_t h, const Dimension& d) {
  for (const units::Rational& r : d.exponents()) {
    h = Mix(h, static_cast<std::uint64_t>(static_cast<std::int64_t>(r.num())));
    h = Mix(h, static_cast<std::uint64_t>(r.den()));
  }
  return h;
}

template <typename T>
void Put(std::ostream& out, const T& value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof(T));
}

// Reads from an in-memory checkpoint, with every size checked against the bytes
// left so a damaged file gives an InputError, never a huge allocation.
class Reader {
 public:
  Reader(const std::string& bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {}

  template <typename T>
  T Get() {
    T value{};
    Need(sizeof(T));
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  std::string Bytes(std::size_t n) {
    Need(n);
    std::string out = bytes_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  // A count of items of `item_size` bytes each that must fit in the rest of the
  // file.
  std::size_t Count(std::size_t item_size) {
    const auto n = Get<std::uint64_t>();
    if (item_size > 0 && n > (bytes_.size() - pos_) / item_size) Fail("truncated or damaged file");
    return static_cast<std::size_t>(n);
  }
  [[noreturn]] void Fail(const std::string& why) const { throw InputError(what_ + ": " + why); }

 private:
  void Need(std::size_t n) const {
    if (n > bytes_.size() - pos_) Fail("truncated file");
  }
  const std::string& bytes_;
  std::string what_;
  std::size_t pos_ = 0;
};

std::string Serialize(std::uint64_t fingerprint, double seconds, const SearchStateRefs& s) {
  std::ostringstream out(std::ios::binary);
  out.write(kMagic, 8);
  Put(out, kVersion);
  Put(out, kByteOrderMarker);
  Put(out, fingerprint);
  Put(out, static_cast<std::int32_t>(s.result->epochs));
  Put(out, s.result->evaluations);
  Put(out, s.result->sampled);
  Put(out, s.result->dead_ends);
  Put(out, s.result->invalid);
  Put(out, s.result->bred);
  Put(out, seconds);
  Put(out, *s.best_nrmse);
  Put(out, static_cast<std::int32_t>(*s.first_perfect_epoch));
  const Rng::State rng = s.rng->GetState();
  for (const std::uint64_t word : rng.s) Put(out, word);
  Put(out, rng.spare_normal);
  Put(out, static_cast<std::uint8_t>(rng.has_spare ? 1 : 0));

  std::ostringstream policy(std::ios::binary);
  s.policy->Save(policy);
  const std::string policy_bytes = policy.str();
  Put(out, static_cast<std::uint64_t>(policy_bytes.size()));
  out.write(policy_bytes.data(), static_cast<std::streamsize>(policy_bytes.size()));
  std::ostringstream optimizer(std::ios::binary);
  s.optimizer->Save(optimizer);
  const std::string optimizer_bytes = optimizer.str();
  Put(out, static_cast<std::uint64_t>(optimizer_bytes.size()));
  out.write(optimizer_bytes.data(), static_cast<std::streamsize>(optimizer_bytes.size()));

  const std::vector<FrontEntry>& entries = s.front->entries();
  Put(out, static_cast<std::uint64_t>(entries.size()));
  for (const FrontEntry& e : entries) {
    Put(out, static_cast<std::uint64_t>(e.program.tokens.size()));
    for (const TokenId id : e.program.tokens) Put(out, id);
    Put(out, static_cast<std::uint64_t>(e.program.constants.size()));
    for (const double c : e.program.constants) Put(out, c);
    Put(out, e.complexity);
    Put(out, e.loss);
    Put(out, e.epoch);
  }
  out.write(kEndMagic, 8);
  return out.str();
}

// Writes `bytes` to `path` durably: temporary file, fsync, rename, fsync of the
// directory.
void WriteAtomically(const std::string& dir, const std::string& bytes) {
  const std::string path = (std::filesystem::path(dir) / kFileName).string();
  const std::string temp = path + ".tmp";
  auto fail = [&](const std::string& what) {
    throw InputError("cannot write checkpoint '" + path + "': " + what + ": " +
                     std::generic_category().message(errno));
  };
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("open");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      fail("write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("fsync");
  }
  if (::close(fd) != 0) fail("close");
  if (std::rename(temp.c_str(), path.c_str()) != 0) fail("rename");
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);  // best effort: the rename is already visible
    ::close(dir_fd);
  }
}

}  // namespace

std::uint64_t SearchFingerprint(const Dataset& data, const Library& library,
                                const SearchConfig& config) {
  std::uint64_t h = Mix(0x5048595352434b50ULL, kVersion);
  h = Mix(Mix(h, static_cast<std::uint64_t>(data.rows())),
          static_cast<std::uint64_t>(data.num_variables()));
  for (std::size_t i = 0; i < data.names.size(); ++i) {
    h = MixDimension(MixString(h, data.names[i]), data.dimensions[i]);
  }
  h = MixDimension(MixString(h, data.target_name), data.target_dimension);
  for (Eigen::Index i = 0; i < data.X.size(); ++i) h = MixDouble(h, data.X.data()[i]);
  for (Eigen::Index i = 0; i < data.y.size(); ++i) h = MixDouble(h, data.y(i));
  h = Mix(h, static_cast<std::uint64_t>(data.weights.size()));
  for (Eigen::Index i = 0; i < data.weights.size(); ++i) h = MixDouble(h, data.weights(i));
  for (const Token& t : library.tokens()) {
    h = MixDimension(MixString(h, t.name), t.dimension);
    h = MixDouble(Mix(h, static_cast<std::uint64_t>(t.op)), t.value);
  }
  h = Mix(h, config.seed);
  for (const int v : {config.min_length, config.max_length, config.batch_size, config.hidden_size,
                      config.fit_iterations, config.fit_restarts, config.perfect_patience,
                      config.evolution_offspring, config.evolution_generations,
                      config.units_prior ? 1 : 0}) {
    h = Mix(h, static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
  }
  for (const double v : {config.soft_length_loc, config.soft_length_variance,
                         config.risk_epsilon, config.learning_rate, config.entropy_weight,
                         config.entropy_gamma, config.perfect_nrmse.value_or(-1.0)}) {
    h = MixDouble(h, v);
  }
  h = Mix(h, static_cast<std::uint64_t>(config.max_search_rows));
  h = Mix(h, static_cast<std::uint64_t>(config.cache_capacity > 0 ? 1 : 0));
  return h;
}

Checkpointer::Checkpointer(const SearchConfig& config, std::uint64_t fingerprint)
    : dir_(config.checkpoint_dir),
      resume_dir_(config.resume_dir),
      every_epochs_(config.checkpoint_every),
      every_seconds_(config.checkpoint_seconds),
      fingerprint_(fingerprint) {
  if (dir_.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec || !std::filesystem::is_directory(dir_)) {
    throw InputError("cannot use checkpoint directory '" + dir_ +
                     "': " + (ec ? ec.message() : "not a directory"));
  }
}

int Checkpointer::Resume(const SearchStateRefs& state) {
  if (resume_dir_.empty()) return 0;
  const std::string path = (std::filesystem::path(resume_dir_) / kFileName).string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError("cannot resume from '" + resume_dir_ + "': no readable checkpoint " + path);
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Reader r(bytes, "checkpoint '" + path + "'");
  if (r.Bytes(8) != std::string(kMagic, 8)) r.Fail("not a physr search checkpoint");
  if (const auto version = r.Get<std::uint32_t>(); version != kVersion) {
    r.Fail("unsupported format version " + std::to_string(version));
  }
  if (r.Get<std::uint32_t>() != kByteOrderMarker) r.Fail("written with another byte order");
  if (r.Get<std::uint64_t>() != fingerprint_) {
    r.Fail(
        "written for a different run (the data, operators, constants, seed "
        "or search "
        "options differ)");
  }
  SearchResult& result = *state.result;
  const auto epochs = r.Get<std::int32_t>();
  result.evaluations = r.Get<std::int64_t>();
  result.sampled = r.Get<std::int64_t>();
  result.dead_ends = r.Get<std::int64_t>();
  result.invalid = r.Get<std::int64_t>();
  result.bred = r.Get<std::int64_t>();
  seconds_before_ = r.Get<double>();
  *state.best_nrmse = r.Get<double>();
  *state.first_perfect_epoch = r.Get<std::int32_t>();
  Rng::State rng{};
  for (std::uint64_t& word : rng.s) word = r.Get<std::uint64_t>();
  rng.spare_normal = r.Get<double>();
  rng.has_spare = r.Get<std::uint8_t>() != 0;
  if (epochs < 0 || !(seconds_before_ >= 0.0)) r.Fail("damaged counters");

  {
    std::istringstream policy(r.Bytes(r.Count(1)), std::ios::binary);
    *state.policy = LstmPolicy::Load(policy, "policy in the checkpoint", state.policy->parallel());
  }
  {
    std::istringstream optimizer(r.Bytes(r.Count(1)), std::ios::binary);
    *state.optimizer =
        AdamOptimizer::Load(optimizer, state.policy->parameters(), "optimizer in the checkpoint");
  }
  ParetoFront front;
  const std::size_t entries = r.Count(8 * 5);
  for (std::size_t i = 0; i < entries; ++i) {
    FrontEntry e;
    e.program.tokens.resize(r.Count(sizeof(TokenId)));
    for (TokenId& id : e.program.tokens) id = r.Get<TokenId>();
    e.program.constants.resize(r.Count(sizeof(double)));
    for (double& c : e.program.constants) c = r.Get<double>();
    e.complexity = r.Get<double>();
    e.loss = r.Get<double>();
    e.epoch = r.Get<std::uint64_t>();
    front.Offer(std::move(e));
  }
  if (r.Bytes(8) != std::string(kEndMagic, 8)) r.Fail("damaged file (no end marker)");
  *state.front = std::move(front);
  state.rng->SetState(rng);
  result.epochs = epochs;
  last_write_seconds_ = seconds_before_;
  return epochs;
}

void Checkpointer::AfterEpoch(int epoch, double seconds, bool stopping,
                              const SearchStateRefs& state) {
  if (dir_.empty()) return;
  const bool due = stopping || (every_epochs_ > 0 && epoch % every_epochs_ == 0) ||
                   (every_seconds_ > 0.0 && seconds - last_write_seconds_ >= every_seconds_);
  if (!due) return;
  Save(dir_, fingerprint_, seconds, state);
  last_write_seconds_ = seconds;
}

void Checkpointer::Save(const std::string& dir, std::uint64_t fingerprint, double seconds,
                        const SearchStateRefs& state) {
  WriteAtomically(dir, Serialize(fingerprint, seconds, state));
}

}  // namespace physr
