// Matrix types in which the policy exchanges per-step data with its caller: features, masks of
// allowed next tokens and soft log-factors, one row per program (row-major, so a caller that
// fills one program at a time writes contiguous memory). Not for the priors' own views.
#pragma once

#include <Eigen/Core>
#include <cstdint>

namespace physr {

// Row-major float matrix: batch × features, batch × tokens (log-factors), or steps × features.
using RowMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
// Row-major mask: batch × tokens or steps × tokens; nonzero = token allowed, 0 = forbidden.
using RowTokenMask = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace physr
