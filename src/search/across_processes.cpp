#include "across_processes.hpp"

#include "physr/core/hash.hpp"

namespace physr {

CheckpointOptions CheckpointOptionsOf(const CheckpointOptions& options,
                                      const Collective& collective) {
  CheckpointOptions mine = options;
  if (collective.rank() != 0) mine.dir.clear();
  return mine;
}

void CheckSameRun(Collective& collective, std::uint64_t search_fingerprint,
                  const SearchConfig& config) {
  if (collective.size() == 1) return;
  const StoppingOptions& s = config.stopping;
  std::uint64_t h = Mix(search_fingerprint, static_cast<std::uint64_t>(s.max_epochs));
  h = Mix(h, static_cast<std::uint64_t>(s.max_evaluations));
  h = MixDouble(h, s.time_limit_seconds);
  h = Mix(h, static_cast<std::uint64_t>(config.fitting.cache_capacity));
  h = Mix(h, config.checkpoint.resume_dir.empty() ? 0 : 1);
  CheckSameFingerprint(collective, h, "the search (data or options)");
}

std::optional<StopReason> AgreedStop(Collective& collective, std::optional<StopReason> local) {
  if (collective.size() == 1) return local;
  const std::optional<int> agreed =
      FirstOf(collective, local ? std::optional<int>(static_cast<int>(*local)) : std::nullopt);
  if (!agreed) return std::nullopt;
  return static_cast<StopReason>(*agreed);
}

}  // namespace physr
