#include "physr/search/restarts.hpp"

#include <limits>

namespace physr {

std::vector<int> RestartEpochs(std::span<const EpochReport> history, int after,
                               double exact_nrmse) {
  std::vector<int> restarts;
  if (after <= 0) return restarts;
  double best_at_gain = std::numeric_limits<double>::infinity();
  int since = 0;  // the epoch of the last gain or restart
  for (const EpochReport& report : history) {
    if (report.best_nrmse <= exact_nrmse) break;
    if (report.best_nrmse < kRestartGain * best_at_gain) {
      best_at_gain = report.best_nrmse;
      since = report.epoch;
    } else if (report.epoch - since >= after) {
      restarts.push_back(report.epoch);
      since = report.epoch;
    }
  }
  return restarts;
}

}  // namespace physr
