// One search run by several processes (core/collective.hpp), simulated by threads of this
// process that exchange bytes through a shared buffer: the shares, the agreement helpers, the
// shared constant fits and whole searches, which must give what one process gives.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "physr/core/collective.hpp"
#include "physr/core/error.hpp"
#include "physr/core/rng.hpp"
#include "physr/expr/parser.hpp"
#include "physr/fit/batch_fitter.hpp"
#include "physr/search/config.hpp"
#include "physr/search/restarts.hpp"
#include "physr/search/search.hpp"
#include "physr/units/unit_parser.hpp"

namespace physr {
namespace {

// `size` ranks as threads: AllGather is a barrier at which every rank leaves its bytes and
// takes all of them.
class ThreadGroup {
 public:
  explicit ThreadGroup(int size) : size_(size), slots_(static_cast<std::size_t>(size)) {}
  int size() const { return size_; }

  std::vector<std::string> AllGather(int rank, std::string_view local) {
    std::unique_lock lock(mutex_);
    slots_[static_cast<std::size_t>(rank)] = std::string(local);
    const std::uint64_t round = round_;
    if (++arrived_ == size_) {
      gathered_ = slots_;
      arrived_ = 0;
      ++round_;
      done_.notify_all();
    } else {
      // The next round cannot complete before this rank arrives, so gathered_ stays.
      done_.wait(lock, [&] { return round_ != round; });
    }
    return gathered_;
  }

 private:
  int size_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::vector<std::string> slots_;
  std::vector<std::string> gathered_;
  int arrived_ = 0;
  std::uint64_t round_ = 0;
};

class ThreadRank final : public Collective {
 public:
  ThreadRank(ThreadGroup& group, int rank) : group_(&group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_->size(); }
  std::vector<std::string> AllGather(std::string_view local) override {
    return group_->AllGather(rank_, local);
  }

 private:
  ThreadGroup* group_;
  int rank_;
};

// Runs body(rank's collective) on `size` threads and waits for them.
void OnRanks(int size, const std::function<void(Collective&)>& body) {
  ThreadGroup group(size);
  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r) {
    threads.emplace_back([&group, &body, r] {
      ThreadRank rank(group, r);
      body(rank);
    });
  }
  for (std::thread& t : threads) t.join();
}

// y = x·v + 0.3·sin(5x), x [m], v [m/s], y [m^2/s]: a law the short library cannot write, so
// the front keeps several entries and the fits matter.
Dataset MakeData() {
  Dataset d;
  Rng rng(17);
  const int rows = 40;
  d.X.resize(rows, 2);
  d.names = {"x", "v"};
  d.dimensions = {units::ParseUnit("m"), units::ParseUnit("m/s")};
  d.target_name = "y";
  d.target_dimension = units::ParseUnit("m^2/s");
  d.y.resize(rows);
  for (int r = 0; r < rows; ++r) {
    d.X(r, 0) = rng.Uniform(0.5, 3.0);
    d.X(r, 1) = rng.Uniform(0.5, 3.0);
    d.y(r) = d.X(r, 0) * d.X(r, 1) + 0.3 * std::sin(5.0 * d.X(r, 0));
  }
  return d;
}

SearchConfig MakeConfig() {
  SearchConfig config;
  config.seed = 5;
  config.threads = 1;
  config.priors.max_length = 15;
  config.training.batch_size = 100;
  config.evolution.offspring = 100;
  config.stopping.max_epochs = 3;
  return config;
}

void CheckSameResult(const SearchResult& a, const SearchResult& b) {
  REQUIRE(a.pareto.size() == b.pareto.size());
  for (std::size_t i = 0; i < a.pareto.size(); ++i) {
    CHECK(a.pareto[i].program == b.pareto[i].program);
    CHECK(a.pareto[i].nrmse == b.pareto[i].nrmse);
  }
  REQUIRE(a.best.has_value() == b.best.has_value());
  if (a.best) CHECK(a.best->program == b.best->program);
  CHECK(a.epochs == b.epochs);
  CHECK(a.evaluations == b.evaluations);
  CHECK(a.sampled == b.sampled);
  CHECK(a.bred == b.bred);
  REQUIRE(a.history.size() == b.history.size());
  for (std::size_t i = 0; i < a.history.size(); ++i) {
    CHECK(a.history[i].best_nrmse == b.history[i].best_nrmse);
  }
}

}  // namespace

// The least possible cost of the costliest share, by trying every assignment (small cases).
std::uint64_t BestMakespan(const std::vector<std::uint64_t>& costs, int size) {
  std::uint64_t best = std::numeric_limits<std::uint64_t>::max();
  std::vector<std::uint64_t> loads(static_cast<std::size_t>(size));
  std::function<void(std::size_t)> place = [&](std::size_t i) {
    if (i == costs.size()) {
      best = std::min(best, *std::max_element(loads.begin(), loads.end()));
      return;
    }
    for (std::uint64_t& load : loads) {
      load += costs[i];
      place(i + 1);
      load -= costs[i];
    }
  };
  place(0);
  return best;
}

TEST_CASE("BalancedShares covers every item once, within one item and 4/3 of the best split") {
  Rng rng(7);
  for (const int size : {1, 2, 3, 4}) {
    for (const std::size_t count :
         {std::size_t{0}, std::size_t{1}, std::size_t{5}, std::size_t{8}}) {
      CAPTURE(size);
      CAPTURE(count);
      std::vector<std::uint64_t> costs(count);
      // Costs over three orders of magnitude, with ties.
      for (std::uint64_t& c : costs) c = 1 + rng.Below(4) * (1 + rng.Below(300));
      const auto shares = BalancedShares(costs, size);
      REQUIRE(shares.size() == static_cast<std::size_t>(size));
      std::vector<int> seen(count, 0);
      std::vector<std::uint64_t> loads;
      for (const std::vector<std::size_t>& share : shares) {
        CHECK(std::is_sorted(share.begin(), share.end()));
        std::uint64_t load = 0;
        for (const std::size_t item : share) {
          REQUIRE(item < count);
          ++seen[item];
          load += costs[item];
        }
        loads.push_back(load);
      }
      CHECK(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
      const std::uint64_t largest = *std::max_element(loads.begin(), loads.end());
      const std::uint64_t smallest = *std::min_element(loads.begin(), loads.end());
      const std::uint64_t costliest =
          costs.empty() ? 0 : *std::max_element(costs.begin(), costs.end());
      CHECK(largest - smallest <= costliest);
      CHECK(3 * largest <= 4 * BestMakespan(costs, size));
      CHECK(BalancedShares(costs, size) == shares);  // a function of the costs alone
    }
  }
  // Equal costs: a round-robin of the items in index order, counts at most one apart.
  const std::vector<std::uint64_t> equal(7, 5);
  CHECK(BalancedShares(equal, 3) ==
        std::vector<std::vector<std::size_t>>{{0, 3, 6}, {1, 4}, {2, 5}});
  // One costly item alone on one process, the cheap ones on the others.
  const std::vector<std::uint64_t> skewed{1, 1, 100, 1, 1};
  CHECK(BalancedShares(skewed, 2) == std::vector<std::vector<std::size_t>>{{2}, {0, 1, 3, 4}});
}

TEST_CASE("The agreement helpers give every rank the same answer") {
  std::vector<int> any(3), first(3), none(3);
  std::atomic<int> refused{0};
  OnRanks(3, [&](Collective& c) {
    const auto r = static_cast<std::size_t>(c.rank());
    any[r] = AnyOf(c, c.rank() == 2) ? 1 : 0;
    first[r] =
        FirstOf(c, c.rank() >= 1 ? std::optional<int>(10 + c.rank()) : std::nullopt).value_or(-1);
    none[r] = FirstOf(c, std::nullopt).value_or(-1);
    CheckSameFingerprint(c, 42, "the test");
    try {
      CheckSameFingerprint(c, c.rank() == 1 ? 7 : 42, "the data");
    } catch (const InputError& e) {
      if (std::string(e.what()).find("the data differs between processes: rank(s) 1 of 3") !=
          std::string::npos) {
        ++refused;
      }
    }
  });
  CHECK(any == std::vector<int>{1, 1, 1});
  CHECK(first == std::vector<int>{11, 11, 11});
  CHECK(none == std::vector<int>{-1, -1, -1});
  CHECK(refused.load() == 3);
}

TEST_CASE("BatchFitter across ranks: each fits its share, all return one process's results") {
  const Dataset data = MakeData();
  Library library = BuildSearchLibrary(data, LibraryOptions{});
  std::vector<Program> programs;
  for (const char* text : {"C1*x*v", "x*v + C1", "C1*x", "x*v", "C1*x*v", "C1*v*x + C2*x",
                           "sin(C1*x/x)*x*v", "x*v*C1 + C2"}) {
    programs.push_back(ParseFormula(text, library));
  }
  BatchFitter alone(library);
  const std::vector<FitResult> expected = alone.FitAll(programs, data);
  std::vector<std::vector<FitResult>> got(3);
  std::vector<std::size_t> fitted(3);
  OnRanks(3, [&](Collective& c) {
    BatchFitter fitter(library);
    fitter.ShareWith(&c);
    const auto r = static_cast<std::size_t>(c.rank());
    got[r] = fitter.FitAll(programs, data);
    fitted[r] = fitter.last_stats().fitted;
    // A second call is served by the cache every rank now holds alike: nothing to fit.
    fitter.FitAll(programs, data);
    CHECK(fitter.last_stats().fitted == 0);
  });
  CHECK(fitted[0] + fitted[1] + fitted[2] == alone.last_stats().fitted);
  for (const std::vector<FitResult>& results : got) {
    REQUIRE(results.size() == expected.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
      CHECK(results[i].constants == expected[i].constants);
      CHECK(results[i].nrmse == expected[i].nrmse);
      CHECK(results[i].status == expected[i].status);
      CHECK(results[i].iterations == expected[i].iterations);
    }
  }
}

TEST_CASE("A search across 2 or 3 ranks gives one process's front on every rank") {
  const Dataset data = MakeData();
  const SearchConfig config = MakeConfig();
  const SearchResult alone = RunSearch(data, config);
  CHECK(alone.ranks == 1);
  for (const int size : {2, 3}) {
    CAPTURE(size);
    std::vector<SearchResult> results(static_cast<std::size_t>(size));
    OnRanks(size, [&](Collective& c) {
      SearchCallbacks callbacks;
      callbacks.collective = &c;
      results[static_cast<std::size_t>(c.rank())] = RunSearch(data, config, callbacks);
    });
    for (const SearchResult& r : results) {
      CHECK(r.ranks == size);
      CheckSameResult(alone, r);
    }
  }
}

TEST_CASE("With policy restarts every rank restarts after the same epochs") {
  const Dataset data = MakeData();
  SearchConfig config = MakeConfig();
  config.stopping.max_epochs = 5;
  config.training.restart_after = 1;
  const SearchResult alone = RunSearch(data, config);
  CHECK(!RestartEpochs(alone.history, 1, alone.exact_nrmse).empty());
  std::vector<SearchResult> results(2);
  OnRanks(2, [&](Collective& c) {
    SearchCallbacks callbacks;
    callbacks.collective = &c;
    results[static_cast<std::size_t>(c.rank())] = RunSearch(data, config, callbacks);
  });
  for (const SearchResult& r : results) CheckSameResult(alone, r);
}

TEST_CASE("A stop on one rank stops every rank after the same epoch") {
  const Dataset data = MakeData();
  SearchConfig config = MakeConfig();
  config.stopping.max_epochs = 50;
  std::vector<SearchResult> results(2);
  OnRanks(2, [&](Collective& c) {
    std::atomic<bool> stop{false};
    SearchCallbacks callbacks;
    callbacks.collective = &c;
    callbacks.stop_requested = &stop;
    // Only rank 1 is told to stop, after its second epoch.
    if (c.rank() == 1) {
      callbacks.on_epoch = [&stop](const EpochReport& report) {
        if (report.epoch == 2) stop.store(true);
        return true;
      };
    }
    results[static_cast<std::size_t>(c.rank())] = RunSearch(data, config, callbacks);
  });
  for (const SearchResult& r : results) {
    CHECK(r.stop_reason == StopReason::kInterrupted);
    CHECK(r.epochs == 2);
  }
  CheckSameResult(results[0], results[1]);
}

TEST_CASE("Ranks given different options refuse to start, every one of them") {
  const Dataset data = MakeData();
  std::atomic<int> refused{0};
  OnRanks(2, [&](Collective& c) {
    SearchConfig config = MakeConfig();
    if (c.rank() == 1) config.stopping.max_epochs = 4;
    SearchCallbacks callbacks;
    callbacks.collective = &c;
    try {
      RunSearch(data, config, callbacks);
    } catch (const InputError& e) {
      if (std::string(e.what()).find("differs between processes") != std::string::npos) {
        ++refused;
      }
    }
  });
  CHECK(refused.load() == 2);
}

}  // namespace physr
