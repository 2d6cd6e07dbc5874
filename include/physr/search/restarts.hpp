// Restarts of the policy when a search stalls: the rule that decides, from the epochs' history
// alone, after which epochs the policy starts afresh (TrainingOptions::restart_after). Being a
// function of the history, which a checkpoint saves and every process of a run shares, the
// decision needs no state of its own: a resumed run and every rank restart where the
// uninterrupted run does. Not here: what a restart resets (SearchEngine, engine.cpp).
#pragma once

#include <span>
#include <vector>

#include "physr/search/state.hpp"

namespace physr {

// A best NRMSE counts as a gain when it is below this share of the one at the last gain.
inline constexpr double kRestartGain = 0.99;

// The epochs, in increasing order, after which the policy restarts: an epoch `after` or more
// epochs past both the last gain of the best NRMSE (below kRestartGain times the best at the
// previous gain) and the last restart. None once an epoch's best NRMSE is at most exact_nrmse
// (an exact formula: the patience rule takes over), none when `after` ≤ 0. history[i] is
// epoch i + 1's report. Cost: O(history).
std::vector<int> RestartEpochs(std::span<const EpochReport> history, int after, double exact_nrmse);

}  // namespace physr
