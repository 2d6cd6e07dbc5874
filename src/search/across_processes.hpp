// One search run by several processes (Collective, core/collective.hpp): the engine's few
// decisions that depend on which process it is. Every process runs the same search: the same
// samples, training and breeding from the same random streams; the constant fits are shared
// (BatchFitter::ShareWith) and their results exchanged, so every process holds the same state
// and the front is the same whatever the number of processes.
#pragma once

#include <cstdint>
#include <optional>

#include "physr/core/collective.hpp"
#include "physr/data/dataset.hpp"
#include "physr/search/checkpoint.hpp"
#include "physr/search/config.hpp"
#include "physr/search/state.hpp"

namespace physr {

// The checkpoint options of this process: only rank 0 writes (and locks the directory); every
// process reads the checkpoint it resumes from, so that directory must be readable by all.
CheckpointOptions CheckpointOptionsOf(const CheckpointOptions& options,
                                      const Collective& collective);

// Throws InputError on every process unless all hold the same run: the search fingerprint
// (data, library, seed, shaping options) and the options that decide when the search stops.
void CheckSameRun(Collective& collective, std::uint64_t search_fingerprint,
                  const SearchConfig& config);

// The stop decision every process takes: the reason of the first process (in rank order)
// that stops, so a signal or a time limit seen by one process stops them all after the same
// epoch.
std::optional<StopReason> AgreedStop(Collective& collective, std::optional<StopReason> local);

}  // namespace physr
