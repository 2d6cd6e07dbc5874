// Matrix types shared by the policy's sampling and training code: the per-step mask of
// allowed next tokens and the float matrices the policy computes in.
// Not for the priors' own bookkeeping; priors only fill these masks.
#pragma once

#include <Eigen/Core>
#include <cstdint>

namespace physr {

// batch × num_tokens, column-major (Eigen's default), 1 = token allowed, 0 = forbidden.
using TokenMask = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic>;

// Row-major float matrix: one row per step of an episode, features contiguous.
using RowMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
// Row-major mask: one row per step of an episode, tokens contiguous.
using RowTokenMask =
    Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace physr
