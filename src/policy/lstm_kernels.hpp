// The element-wise parts of the LSTM shared by sampling and training (private to src/policy),
// so both paths compute exactly the same function.
#pragma once

#include <Eigen/Core>

#include "physr/policy/lstm_parameters.hpp"

namespace physr::detail {

template <typename S>
using MatrixRef = Eigen::Ref<Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>>;

// σ(x) = ½·tanh(x/2) + ½: uses Eigen's vectorised tanh and never overflows.
template <typename S>
void SigmoidInPlace(MatrixRef<S> m) {
  m.array() = S(0.5) * (S(0.5) * m.array()).tanh() + S(0.5);
}

// In place on pre-activations a (rows × 4H, columns [i | f | g | o]).
template <typename S>
void GateActivations(MatrixRef<S> a, int hidden) {
  SigmoidInPlace<S>(a.middleCols(0, 2 * hidden));  // input and forget gates
  a.middleCols(2 * hidden, hidden).array() = a.middleCols(2 * hidden, hidden).array().tanh();
  SigmoidInPlace<S>(a.middleCols(3 * hidden, hidden));
}

template <typename S>
void InputActivationInPlace(MatrixRef<S> e, InputActivation activation) {
  if (activation == InputActivation::kTanh) e.array() = e.array().tanh();
}

// Cell update from activated gates a (rows × 4H): c = f⊙c_prev + i⊙g (c_prev null: zero state),
// tanh_c = tanh(c), h = o⊙tanh_c. tanh_c may alias nothing else.
template <typename S>
void CellUpdate(const Eigen::Ref<const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>>& a,
                const Eigen::Ref<const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>>* c_prev,
                int hidden, MatrixRef<S> c, MatrixRef<S> tanh_c, MatrixRef<S> h) {
  const auto i = a.middleCols(0, hidden).array();
  const auto f = a.middleCols(hidden, hidden).array();
  const auto g = a.middleCols(2 * hidden, hidden).array();
  const auto o = a.middleCols(3 * hidden, hidden).array();
  if (c_prev != nullptr) {
    c.array() = f * c_prev->array() + i * g;
  } else {
    c.array() = i * g;
  }
  tanh_c.array() = c.array().tanh();
  h.array() = o * tanh_c.array();
}

}  // namespace physr::detail
