#include "physr/search/sampler.hpp"

#include <algorithm>
#include <chrono>

#include "physr/core/error.hpp"

namespace physr {
namespace {
constexpr int kMaxResampleRounds = 4;

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}
}  // namespace

Sampler::Sampler(const DimensionLattice& lattice, const PriorSet& priors,
                 const ObservationEncoder& encoder, int batch_size, int max_length)
    : priors_(&priors),
      encoder_(&encoder),
      batch_size_(batch_size),
      max_length_(max_length),
      num_tokens_(static_cast<int>(lattice.library().size())),
      partial_(lattice, max_length),
      episodes_(batch_size, max_length, encoder.feature_size(), num_tokens_),
      // Grown on demand to the rows that dead-ended: usually few, and at full size its
      // inputs alone are batch × max_length × (3·tokens + …) floats.
      retry_episodes_(0, max_length, encoder.feature_size(), num_tokens_) {
  PHYSR_CHECK(batch_size >= 1, "batch size must be positive");
  inputs_.resize(batch_size, encoder.feature_size());
  mask_.resize(static_cast<std::size_t>(batch_size) * num_tokens_);
  log_factors_.resize(batch_size, num_tokens_);
  active_.resize(static_cast<std::size_t>(batch_size));
  tokens_.resize(static_cast<std::size_t>(batch_size));
  logp_.resize(static_cast<std::size_t>(batch_size));
  entropy_.resize(static_cast<std::size_t>(batch_size));
}

void Sampler::PriceAndEncode(int n) {
  const TokenLogFactors factors{
      std::span<float>(log_factors_.data(), static_cast<std::size_t>(n) * num_tokens_),
      num_tokens_};
  priors_->ComputeLogFactors(partial_, factors);
  encoder_->Encode(partial_,
                   std::span<float>(inputs_.data(), static_cast<std::size_t>(n) * inputs_.cols()));
}

std::vector<int> Sampler::SampleRows(const LstmPolicy& policy, Rng& rng, int n,
                                     EpisodeBuffer& buffer) {
  partial_.Reset(n);
  Clock::time_point start = Clock::now();
  policy.Begin(state_, n);
  policy_seconds_ += SecondsSince(start);
  buffer.Reset(n);
  std::fill_n(active_.begin(), n, std::uint8_t{1});
  std::vector<int> dead;
  std::vector<int> step_dead;
  const std::span<const std::uint8_t> active(active_.data(), static_cast<std::size_t>(n));
  for (int step = 0; step < max_length_; ++step) {
    if (Clock::now() >= deadline_) {
      for (int r = 0; r < n; ++r) {
        if (!active_[static_cast<std::size_t>(r)]) continue;
        active_[static_cast<std::size_t>(r)] = 0;
        dead.push_back(r);
        ++cut_;
      }
      break;
    }
    const TokenMask mask{
        std::span<std::uint8_t>(mask_.data(), static_cast<std::size_t>(n) * num_tokens_),
        num_tokens_};
    step_dead.clear();
    priors_->ComputeMask(partial_, mask, &step_dead);
    for (int row : step_dead) {
      active_[static_cast<std::size_t>(row)] = 0;
      dead.push_back(row);
    }
    bool any = false;
    for (int r = 0; r < n; ++r) any = any || active_[static_cast<std::size_t>(r)] != 0;
    if (!any) break;
    PriceAndEncode(n);
    const auto inputs = inputs_.topRows(n);
    const Eigen::Map<const RowTokenMask> mask_matrix(mask_.data(), n, num_tokens_);
    const auto factor_matrix = log_factors_.topRows(n);
    start = Clock::now();
    policy.Step(state_, inputs, mask_matrix, factor_matrix, active, rng,
                std::span<int>(tokens_.data(), static_cast<std::size_t>(n)),
                std::span<float>(logp_.data(), static_cast<std::size_t>(n)),
                std::span<float>(entropy_.data(), static_cast<std::size_t>(n)));
    policy_seconds_ += SecondsSince(start);
    buffer.Record(step, inputs, mask_matrix, factor_matrix, active,
                  std::span<const int>(tokens_.data(), static_cast<std::size_t>(n)));
    for (int r = 0; r < n; ++r) {
      if (!active_[static_cast<std::size_t>(r)]) continue;
      partial_.Append(r, static_cast<TokenId>(tokens_[static_cast<std::size_t>(r)]));
      if (partial_.IsComplete(r)) active_[static_cast<std::size_t>(r)] = 0;
    }
  }
  // A row still growing at max_length cannot happen under the length priors; treat it as dead.
  for (int r = 0; r < n; ++r) {
    if (active_[static_cast<std::size_t>(r)] && !partial_.IsComplete(r)) dead.push_back(r);
  }
  std::sort(dead.begin(), dead.end());
  dead.erase(std::unique(dead.begin(), dead.end()), dead.end());
  return dead;
}

std::vector<std::uint8_t> Sampler::Replay(std::span<const std::vector<TokenId>> programs,
                                          EpisodeBuffer& out) {
  const int n = static_cast<int>(programs.size());
  PHYSR_CHECK(n <= batch_size_, "replay of more programs than a batch");
  std::vector<std::uint8_t> ok(static_cast<std::size_t>(n), 1);
  partial_.Reset(n);
  out.Reset(n);
  for (int r = 0; r < n; ++r) {
    const std::size_t length = programs[static_cast<std::size_t>(r)].size();
    ok[static_cast<std::size_t>(r)] = length > 0 && length <= static_cast<std::size_t>(max_length_);
    active_[static_cast<std::size_t>(r)] = ok[static_cast<std::size_t>(r)];
  }
  const std::span<const std::uint8_t> active(active_.data(), static_cast<std::size_t>(n));
  std::vector<int> step_dead;
  for (int step = 0; step < max_length_; ++step) {
    if (std::none_of(active.begin(), active.end(), [](std::uint8_t a) { return a != 0; })) break;
    const TokenMask mask{
        std::span<std::uint8_t>(mask_.data(), static_cast<std::size_t>(n) * num_tokens_),
        num_tokens_};
    step_dead.clear();
    priors_->ComputeMask(partial_, mask, &step_dead);
    for (const int row : step_dead) active_[static_cast<std::size_t>(row)] = 0;
    for (int r = 0; r < n; ++r) {
      const auto row = static_cast<std::size_t>(r);
      if (!active_[row]) continue;
      const TokenId token = programs[row][static_cast<std::size_t>(step)];
      if (token >= num_tokens_ || !mask_[row * static_cast<std::size_t>(num_tokens_) + token]) {
        active_[row] = 0;
        continue;
      }
      tokens_[row] = token;
    }
    PriceAndEncode(n);
    const Eigen::Map<const RowTokenMask> mask_matrix(mask_.data(), n, num_tokens_);
    out.Record(step, inputs_.topRows(n), mask_matrix, log_factors_.topRows(n), active,
               std::span<const int>(tokens_.data(), static_cast<std::size_t>(n)));
    for (int r = 0; r < n; ++r) {
      const auto row = static_cast<std::size_t>(r);
      if (!active_[row]) continue;
      partial_.Append(r, static_cast<TokenId>(tokens_[row]));
      const bool last = static_cast<std::size_t>(step) + 1 == programs[row].size();
      if (last || partial_.IsComplete(r)) {
        active_[row] = 0;
        ok[row] = static_cast<std::uint8_t>(last && partial_.IsComplete(r));
      }
    }
  }
  // Rows stopped before their last token (masked, dead) did not replay.
  for (int r = 0; r < n; ++r) {
    const auto row = static_cast<std::size_t>(r);
    if (ok[row] && out.length(r) != static_cast<int>(programs[row].size())) ok[row] = 0;
  }
  return ok;
}

const SampleBatch& Sampler::Sample(const LstmPolicy& policy, Rng& rng, Clock::time_point deadline) {
  batch_.programs.clear();
  batch_.episode.clear();
  batch_.sampled = batch_size_;
  batch_.dead_ends = 0;
  deadline_ = deadline;
  cut_ = 0;

  std::vector<int> dead = SampleRows(policy, rng, batch_size_, episodes_);
  std::vector<std::uint8_t> ok(static_cast<std::size_t>(batch_size_), 1);
  for (int r : dead) ok[static_cast<std::size_t>(r)] = 0;
  std::vector<Program> programs(static_cast<std::size_t>(batch_size_));
  for (int r = 0; r < batch_size_; ++r) {
    if (!ok[static_cast<std::size_t>(r)]) continue;
    const auto t = partial_.tokens(r);
    programs[static_cast<std::size_t>(r)].tokens.assign(t.begin(), t.end());
  }
  batch_.dead_ends += static_cast<std::int64_t>(dead.size()) - cut_;

  // Resample dead rows in a smaller batch and move their episodes into place.
  for (int round = 0; round < kMaxResampleRounds && !dead.empty() && cut_ == 0; ++round) {
    const int n = static_cast<int>(dead.size());
    batch_.sampled += n;
    const std::int64_t cut_before = cut_;
    const std::vector<int> still_dead = SampleRows(policy, rng, n, retry_episodes_);
    batch_.dead_ends += static_cast<std::int64_t>(still_dead.size()) - (cut_ - cut_before);
    std::vector<int> next;
    std::size_t k = 0;
    for (int i = 0; i < n; ++i) {
      const int row = dead[static_cast<std::size_t>(i)];
      if (k < still_dead.size() && still_dead[k] == i) {
        ++k;
        next.push_back(row);
        continue;
      }
      episodes_.CopyEpisodeFrom(retry_episodes_, i, row);
      const auto t = partial_.tokens(i);
      programs[static_cast<std::size_t>(row)].tokens.assign(t.begin(), t.end());
      ok[static_cast<std::size_t>(row)] = 1;
    }
    dead = std::move(next);
  }

  batch_.cut = cut_;
  for (int r = 0; r < batch_size_; ++r) {
    if (!ok[static_cast<std::size_t>(r)]) continue;
    batch_.programs.push_back(std::move(programs[static_cast<std::size_t>(r)]));
    batch_.episode.push_back(r);
  }
  return batch_;
}

}  // namespace physr
