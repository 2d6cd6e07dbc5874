#include "physr/search/checkpoint.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <system_error>

#include "physr/core/binary_io.hpp"
#include "physr/core/error.hpp"
#include "physr/core/files.hpp"
#include "physr/core/hash.hpp"

namespace physr {

void CheckpointOptions::ApplyDefaultSchedule() {
  if (dir.empty()) dir = resume_dir;
  if (!dir.empty() && every_epochs == 0 && every_seconds == 0.0) {
    every_seconds = kDefaultCheckpointSeconds;
  }
}

namespace {

constexpr std::string_view kMagic = "PHYSRCKP";
constexpr std::string_view kEndMagic = "PHYSREND";
constexpr std::uint32_t kVersion = 6;
constexpr const char* kFileName = "search.ckpt";

void PutCounters(BinaryWriter& out, const SearchCounters& c) {
  out.Put(static_cast<std::int32_t>(c.epochs));
  for (const std::int64_t n : {c.evaluations, c.sampled, c.dead_ends, c.invalid, c.bred}) {
    out.Put(n);
  }
  out.Put(c.seconds);
  out.Put(c.best_nrmse);
  out.Put(static_cast<std::int32_t>(c.first_exact_epoch));
  out.Put(c.first_exact_seconds);
}

SearchCounters GetCounters(BinaryReader& r) {
  SearchCounters c;
  c.epochs = r.Get<std::int32_t>();
  for (std::int64_t* n : {&c.evaluations, &c.sampled, &c.dead_ends, &c.invalid, &c.bred}) {
    *n = r.Get<std::int64_t>();
  }
  c.seconds = r.Get<double>();
  c.best_nrmse = r.Get<double>();
  c.first_exact_epoch = r.Get<std::int32_t>();
  c.first_exact_seconds = r.Get<double>();
  if (c.epochs < 0 || !(c.seconds >= 0.0)) r.Fail("damaged counters");
  return c;
}

void PutRng(BinaryWriter& out, const Rng& rng) {
  const Rng::State state = rng.GetState();
  for (const std::uint64_t word : state.s) out.Put(word);
  out.Put(state.spare_normal);
  out.Put(static_cast<std::uint8_t>(state.has_spare ? 1 : 0));
}

Rng::State GetRng(BinaryReader& r) {
  Rng::State state{};
  for (std::uint64_t& word : state.s) word = r.Get<std::uint64_t>();
  state.spare_normal = r.Get<double>();
  state.has_spare = r.Get<std::uint8_t>() != 0;
  return state;
}

void PutFront(BinaryWriter& out, const ParetoFront& front) {
  out.Put(static_cast<std::uint64_t>(front.entries().size()));
  for (const FrontEntry& e : front.entries()) {
    out.Put(static_cast<std::uint64_t>(e.program.tokens.size()));
    for (const TokenId id : e.program.tokens) out.Put(id);
    out.Put(static_cast<std::uint64_t>(e.program.constants.size()));
    for (const double c : e.program.constants) out.Put(c);
    out.Put(e.complexity);
    out.Put(e.loss);
    out.Put(e.epoch);
  }
}

// The saved front, its constants priced as `like`'s (the search's own, as it set it up).
ParetoFront GetFront(BinaryReader& r, const ParetoFront& like) {
  ParetoFront front = like.Emptied();
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
  return front;
}

void PutHistory(BinaryWriter& out, const std::vector<EpochReport>& history) {
  out.Put(static_cast<std::uint64_t>(history.size()));
  for (const EpochReport& e : history) {
    out.Put(static_cast<std::int32_t>(e.epoch));
    out.Put(e.evaluations);
    for (const double x :
         {e.seconds, e.candidates_per_second, e.valid_share, e.best_reward, e.best_nrmse}) {
      out.Put(x);
    }
    out.Block(e.best_infix);
  }
}

std::vector<EpochReport> GetHistory(BinaryReader& r) {
  std::vector<EpochReport> history(r.Count(4 + 8 * 7));
  for (EpochReport& e : history) {
    e.epoch = r.Get<std::int32_t>();
    e.evaluations = r.Get<std::int64_t>();
    for (double* x :
         {&e.seconds, &e.candidates_per_second, &e.valid_share, &e.best_reward, &e.best_nrmse}) {
      *x = r.Get<double>();
    }
    e.best_infix = r.Block();
  }
  return history;
}

void PutMemory(BinaryWriter& out, const ProgramMemory& memory) {
  out.Put(static_cast<std::uint64_t>(memory.entries().size()));
  for (const RememberedProgram& e : memory.entries()) {
    out.Put(static_cast<std::uint64_t>(e.tokens.size()));
    for (const TokenId id : e.tokens) out.Put(id);
    out.Put(e.reward);
  }
}

// The memory saved, into one of `capacity` (the run's): refused when it holds more.
ProgramMemory GetMemory(BinaryReader& r, int capacity) {
  ProgramMemory memory(capacity);
  const std::size_t entries = r.Count(8 * 2);
  if (entries > static_cast<std::size_t>(capacity)) r.Fail("damaged memory");
  for (std::size_t i = 0; i < entries; ++i) {
    std::vector<TokenId> tokens(r.Count(sizeof(TokenId)));
    for (TokenId& id : tokens) id = r.Get<TokenId>();
    const auto reward = r.Get<double>();
    if (!memory.Offer(tokens, reward)) r.Fail("damaged memory");
  }
  return memory;
}

// The checksum that ends a checkpoint: of every byte before it.
std::uint64_t Checksum(std::string_view bytes) {
  return Avalanche(MixString(0x50485953434b5355ULL, bytes));
}

// The bytes that `save` writes to a stream.
template <typename Saver>
std::string Saved(const Saver& save) {
  std::ostringstream out(std::ios::binary);
  save(out);
  return out.str();
}

std::string Serialize(std::uint64_t fingerprint, const SearchState& s) {
  std::ostringstream bytes(std::ios::binary);
  BinaryWriter out(bytes);
  out.Header(kMagic, kVersion);
  out.Put(fingerprint);
  PutCounters(out, s.counters);
  PutRng(out, s.rng);
  out.Block(Saved([&](std::ostream& o) { s.policy.Save(o); }));
  out.Block(Saved([&](std::ostream& o) { s.optimizer.Save(o); }));
  PutFront(out, s.front);
  PutFront(out, s.criterion_front);
  PutHistory(out, s.history);
  PutMemory(out, s.memory);
  out.Bytes(kEndMagic);
  std::string text = bytes.str();
  const std::uint64_t checksum = Checksum(text);
  text.append(reinterpret_cast<const char*>(&checksum), sizeof checksum);
  return text;
}

}  // namespace

Checkpointer::Checkpointer(const CheckpointOptions& options, std::uint64_t fingerprint)
    : options_(options), fingerprint_(fingerprint) {
  const std::string& dir = options_.dir;
  if (dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    throw InputError("cannot use checkpoint directory '" + dir +
                     "': " + (ec ? ec.message() : "not a directory"));
  }
  lock_ = DirectoryLock(dir, "checkpoint directory");
}

bool Checkpointer::Resume(SearchState& state) {
  const std::string& resume_dir = options_.resume_dir;
  if (resume_dir.empty()) return false;
  const std::string path = (std::filesystem::path(resume_dir) / kFileName).string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError("cannot resume from '" + resume_dir + "': no readable checkpoint " + path);
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BinaryReader r(bytes, "checkpoint '" + path + "'");
  r.Header(kMagic, kVersion, "not a physr search checkpoint");
  std::uint64_t checksum = 0;
  if (bytes.size() < sizeof checksum + kEndMagic.size()) r.Fail("truncated file");
  const std::string_view body(bytes.data(), bytes.size() - sizeof checksum);
  std::memcpy(&checksum, bytes.data() + body.size(), sizeof checksum);
  if (body.substr(body.size() - kEndMagic.size()) != kEndMagic) {
    r.Fail("truncated file (no end marker)");
  }
  if (checksum != Checksum(body)) r.Fail("damaged file (the checksum does not match)");
  if (r.Get<std::uint64_t>() != fingerprint_) {
    r.Fail(
        "written for a different run (the data, operators, constants, seed or search "
        "options differ)");
  }
  const SearchCounters counters = GetCounters(r);
  const Rng::State rng = GetRng(r);
  std::istringstream policy(r.Block(), std::ios::binary);
  LstmPolicy loaded = LstmPolicy::Load(policy, "policy in the checkpoint", state.policy.parallel());
  std::istringstream optimizer(r.Block(), std::ios::binary);
  AdamOptimizer moments =
      AdamOptimizer::Load(optimizer, loaded.parameters(), "optimizer in the checkpoint");
  ParetoFront front = GetFront(r, state.front);
  ParetoFront criterion_front = GetFront(r, state.criterion_front);
  std::vector<EpochReport> history = GetHistory(r);
  ProgramMemory memory = GetMemory(r, state.memory.capacity());
  if (r.Bytes(kEndMagic.size()) != kEndMagic) r.Fail("damaged file (no end marker)");
  // Nothing is changed until the whole file has been read.
  state.policy = std::move(loaded);
  state.optimizer = std::move(moments);
  state.rng.SetState(rng);
  state.front = std::move(front);
  state.criterion_front = std::move(criterion_front);
  state.counters = counters;
  state.history = std::move(history);
  state.memory = std::move(memory);
  last_write_seconds_ = counters.seconds;
  return true;
}

void Checkpointer::AfterEpoch(const SearchState& state, bool stopping) {
  if (options_.dir.empty()) return;
  const int epoch = state.counters.epochs;
  const double seconds = state.counters.seconds;
  const bool due =
      stopping || (options_.every_epochs > 0 && epoch % options_.every_epochs == 0) ||
      (options_.every_seconds > 0.0 && seconds - last_write_seconds_ >= options_.every_seconds);
  if (!due) return;
  Save(options_.dir, fingerprint_, state);
  last_write_seconds_ = seconds;
}

void Checkpointer::Save(const std::string& dir, std::uint64_t fingerprint,
                        const SearchState& state) {
  const std::string path = (std::filesystem::path(dir) / kFileName).string();
  WriteFileAtomically(path, Serialize(fingerprint, state), "checkpoint");
}

}  // namespace physr
