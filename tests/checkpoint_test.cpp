// Checkpoint and resume of a search: a run stopped and resumed reaches the
// uninterrupted run's result; damaged, foreign and mismatched checkpoints are
// clear errors; a directory in use is locked; files are written atomically.
#include "physr/search/checkpoint.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "physr/core/error.hpp"
#include "physr/core/files.hpp"
#include "physr/core/rng.hpp"
#include "physr/search/engine.hpp"
#include "physr/search/restarts.hpp"
#include "physr/search/search.hpp"
#include "physr/units/unit_parser.hpp"
#include "support/input_error.hpp"

namespace physr {
namespace {

using testing::InputErrorOf;

// A fresh directory under the system's temporary directory, removed at scope
// exit.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ =
        std::filesystem::temp_directory_path() /
        ("physr_checkpoint_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string str() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// v = x / t with 5 % multiplicative noise: nothing is exact, so runs go to
// their epoch limit.
Dataset NoisyData() {
  Dataset d;
  d.names = {"x", "t"};
  d.dimensions = {units::ParseUnit("m"), units::ParseUnit("s")};
  d.target_name = "v";
  d.target_dimension = units::ParseUnit("m/s");
  d.X.resize(40, 2);
  d.y.resize(40);
  Rng rng(11);
  for (Eigen::Index r = 0; r < 40; ++r) {
    d.X(r, 0) = rng.Uniform(0.5, 3.0);
    d.X(r, 1) = rng.Uniform(0.5, 3.0);
    d.y(r) = d.X(r, 0) / d.X(r, 1) * (1.0 + 0.05 * rng.Normal());
  }
  return d;
}

SearchConfig Config(int epochs) {
  SearchConfig config;
  config.training.batch_size = 32;
  config.stopping.max_epochs = epochs;
  config.priors.max_length = 12;
  config.training.hidden_size = 16;
  config.fitting.fit.solver.max_iterations = 10;
  config.seed = 21;
  config.threads = 1;
  config.evolution.offspring = 40;  // evolution on, in small
  return config;
}

void CheckSameResult(const SearchResult& a, const SearchResult& b) {
  CHECK(a.epochs == b.epochs);
  CHECK(a.evaluations == b.evaluations);
  CHECK(a.sampled == b.sampled);
  CHECK(a.bred == b.bred);
  CHECK(a.first_exact_epoch == b.first_exact_epoch);
  // The per-epoch history is part of the saved state: the resumed run reports every epoch.
  REQUIRE(a.history.size() == static_cast<std::size_t>(a.epochs));
  REQUIRE(a.history.size() == b.history.size());
  for (std::size_t i = 0; i < a.history.size(); ++i) {
    CAPTURE(i);
    CHECK(a.history[i].epoch == static_cast<int>(i) + 1);
    CHECK(a.history[i].epoch == b.history[i].epoch);
    CHECK(a.history[i].evaluations == b.history[i].evaluations);
    CHECK(a.history[i].best_nrmse == b.history[i].best_nrmse);
    CHECK(a.history[i].best_infix == b.history[i].best_infix);
  }
  REQUIRE(a.pareto.size() == b.pareto.size());
  for (std::size_t i = 0; i < a.pareto.size(); ++i) {
    CAPTURE(i);
    CHECK(a.pareto[i].infix_values == b.pareto[i].infix_values);
    CHECK(a.pareto[i].nrmse == b.pareto[i].nrmse);
  }
}

}  // namespace

TEST_CASE(
    "A search stopped and resumed from its checkpoint matches the "
    "uninterrupted run") {
  const Dataset data = NoisyData();
  const SearchResult whole = RunSearch(data, Config(6));

  TempDir dir;
  SearchConfig first = Config(3);
  first.checkpoint.dir = dir.str();
  const SearchResult part = RunSearch(data, first);
  CHECK(part.epochs == 3);
  REQUIRE(std::filesystem::exists(dir.file("search.ckpt")));
  // Nothing but the checkpoint and the lock: no temporary file left behind.
  for (const auto& entry : std::filesystem::directory_iterator(dir.str())) {
    const std::string name = entry.path().filename().string();
    CHECK_MESSAGE((name == "search.ckpt" || name == "lock"), name);
  }

  SearchConfig second = Config(6);
  second.checkpoint.resume_dir = dir.str();
  const SearchResult resumed = RunSearch(data, second);
  CheckSameResult(whole, resumed);
  // The profile is this process's: the resumed epochs only.
  CHECK(resumed.profile.seconds < resumed.seconds);
  CHECK(resumed.profile.fitted <= resumed.evaluations - part.evaluations);
}

TEST_CASE("A resumed search with enumeration matches the uninterrupted run") {
  // The enumeration runs once, at the start of the new run; the resumed run does not repeat it.
  const Dataset data = NoisyData();
  const auto config = [](int epochs) {
    SearchConfig c = Config(epochs);
    c.enumerate.mode = EnumerateMode::kOn;
    c.enumerate.max_length = 5;
    c.enumerate.keep = 50;
    return c;
  };
  const SearchResult whole = RunSearch(data, config(4));
  TempDir dir;
  SearchConfig first = config(2);
  first.checkpoint.dir = dir.str();
  const SearchResult part = RunSearch(data, first);
  CHECK(part.evaluations > 2 * 32);  // the enumerated formulas scored
  SearchConfig second = config(4);
  second.checkpoint.resume_dir = dir.str();
  CheckSameResult(whole, RunSearch(data, second));
}

TEST_CASE("With the memory and the stability check, a resumed search matches the whole run") {
  const Dataset data = NoisyData();
  const auto config = [](int epochs) {
    SearchConfig c = Config(epochs);
    c.training.memory = 6;
    c.search_stability = true;
    return c;
  };
  SearchEngine whole_engine(data, config(6));
  const SearchResult whole = whole_engine.Run();
  TempDir dir;
  SearchConfig first = config(3);
  first.checkpoint.dir = dir.str();
  RunSearch(data, first);
  SearchConfig second = config(6);
  second.checkpoint.resume_dir = dir.str();
  SearchEngine resumed_engine(data, second);
  CHECK(resumed_engine.state().memory.entries().size() == 6);  // restored, not rebuilt
  CheckSameResult(whole, resumed_engine.Run());
  const auto& a = whole_engine.state().memory.entries();
  const auto& b = resumed_engine.state().memory.entries();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].tokens == b[i].tokens);
    CHECK(a[i].reward == b[i].reward);
  }
  // The memory is part of what the run is: a checkpoint without it is refused.
  SearchConfig other = config(6);
  other.training.memory = 0;
  other.checkpoint.resume_dir = dir.str();
  CHECK(InputErrorOf([&] { RunSearch(data, other); }).find("different run") != std::string::npos);
}

TEST_CASE("A search resumed across policy restarts matches the whole run") {
  // The noisy data never gives an exact formula and gains soon stall: with restart_after = 1
  // the policy restarts after most epochs.
  const Dataset data = NoisyData();
  const auto config = [](int epochs) {
    SearchConfig c = Config(epochs);
    c.training.restart_after = 1;
    return c;
  };
  const SearchResult whole = RunSearch(data, config(8));
  const std::vector<int> restarts = RestartEpochs(whole.history, 1, whole.exact_nrmse);
  // The checkpoint of epoch 3 holds a restarted policy.
  CHECK(std::find(restarts.begin(), restarts.end(), 3) != restarts.end());
  TempDir dir;
  SearchConfig first = config(3);
  first.checkpoint.dir = dir.str();
  RunSearch(data, first);
  SearchConfig second = config(8);
  second.checkpoint.resume_dir = dir.str();
  CheckSameResult(whole, RunSearch(data, second));
  // Restarting is part of what the run is: a checkpoint of a run without it is refused.
  SearchConfig other = config(8);
  other.training.restart_after = 0;
  other.checkpoint.resume_dir = dir.str();
  CHECK(InputErrorOf([&] { RunSearch(data, other); }).find("different run") != std::string::npos);
}

TEST_CASE("Checkpoints every epoch leave the latest state") {
  const Dataset data = NoisyData();
  TempDir dir;
  SearchConfig config = Config(4);
  config.checkpoint.dir = dir.str();
  config.checkpoint.every_epochs = 1;
  const SearchResult first = RunSearch(data, config);
  // Resuming a finished run with a higher limit continues from epoch 4.
  SearchConfig more = Config(5);
  more.checkpoint.resume_dir = dir.str();
  const SearchResult resumed = RunSearch(data, more);
  CheckSameResult(RunSearch(data, Config(5)), resumed);
  CHECK(first.epochs == 4);
}

TEST_CASE("Damaged, foreign and mismatched checkpoints are clear errors") {
  const Dataset data = NoisyData();
  TempDir dir;
  SearchConfig config = Config(2);
  config.checkpoint.dir = dir.str();
  RunSearch(data, config);

  SearchConfig other_seed = Config(3);
  other_seed.seed = 22;
  other_seed.checkpoint.resume_dir = dir.str();
  CHECK(InputErrorOf([&] { RunSearch(data, other_seed); }).find("different run") !=
        std::string::npos);

  SearchConfig resume = Config(3);
  resume.checkpoint.resume_dir = dir.str();
  const std::string path = dir.file("search.ckpt");
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size / 2);
  CHECK(InputErrorOf([&] { RunSearch(data, resume); }).find("truncated") != std::string::npos);

  std::ofstream(path, std::ios::binary | std::ios::trunc) << "not a checkpoint at all";
  CHECK(InputErrorOf([&] { RunSearch(data, resume); }).find("not a physr search checkpoint") !=
        std::string::npos);

  // One byte changed in the middle: the checksum names the damage and the file.
  RunSearch(data, config);
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  const std::string damaged = InputErrorOf([&] { RunSearch(data, resume); });
  CHECK(damaged.find("damaged file") != std::string::npos);
  CHECK(damaged.find(path) != std::string::npos);

  resume.checkpoint.resume_dir = dir.file("missing");
  CHECK(InputErrorOf([&] { RunSearch(data, resume); }).find("no readable checkpoint") !=
        std::string::npos);
}

TEST_CASE("A checkpoint directory in use is refused to a second checkpointer") {
  TempDir dir;
  CheckpointOptions options;
  options.dir = dir.str();
  const Checkpointer first(options, 1);
  const std::string error = InputErrorOf([&] { Checkpointer second(options, 1); });
  CHECK(error.find("'" + dir.str() + "' is in use by another run") != std::string::npos);
}

TEST_CASE("The lock is released with its checkpointer") {
  TempDir dir;
  CheckpointOptions options;
  options.dir = dir.str();
  { const Checkpointer first(options, 1); }
  CHECK_NOTHROW(Checkpointer(options, 1));
}

TEST_CASE("Files are written atomically and unwritable paths are refused before writing") {
  TempDir dir;
  const std::string path = dir.file("out.json");
  WriteFileAtomically(path, "first", "result file");
  WriteFileAtomically(path, "second", "result file");
  std::ifstream in(path, std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  CHECK(text == "second");
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.str())) {
    ++files;
  }
  CHECK(files == 1);  // no temporary file left behind
  CHECK_NOTHROW(CheckWritable(path, "--json"));
  const std::string missing = dir.file("no_such_dir") + "/out.json";
  CHECK(InputErrorOf([&] {
          CheckWritable(missing, "--json");
        }).find("--json '" + missing + "': cannot be written: no directory") != std::string::npos);
  CHECK(InputErrorOf([&] {
          WriteFileAtomically(missing, "x", "result file");
        }).find("cannot write result file '" + missing + "'") != std::string::npos);
  CHECK(InputErrorOf([&] { CheckWritable(dir.str(), "--json"); }).find("it is a directory") !=
        std::string::npos);
}

}  // namespace physr
