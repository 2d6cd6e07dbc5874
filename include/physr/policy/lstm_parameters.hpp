// The parameter blocks of the LSTM policy (input layer, one LSTM layer, output layer), templated
// on the scalar so the same math runs in float (production) and double (gradient checks).
// Also the deterministic Glorot initialisation and binary (de)serialisation of the blocks.
// Not for sampling or training logic: see lstm_policy.hpp and policy_gradient.hpp.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <iosfwd>

#include "physr/core/rng.hpp"

namespace physr {

// Activation of the dense input layer, e = act(x·W_in + b_in). kTanh (default) gives the
// network a non-linearity before the recurrence; kLinear makes the input layer a low-rank
// factorisation of the LSTM's input weights.
enum class InputActivation : std::int32_t { kLinear = 0, kTanh = 1 };

// Shapes. Row vectors (biases) are stored as 1 × n matrices so every block has one type.
//   w_in  : input_size  × embed_size     b_in  : 1 × embed_size
//   w_x   : embed_size  × 4·hidden_size  b_gates: 1 × 4·hidden_size
//   w_h   : hidden_size × 4·hidden_size
//   w_out : hidden_size × num_tokens     b_out : 1 × num_tokens
// Gate columns are ordered [input | forget | cell | output], hidden_size columns each:
//   a = e·w_x + h_prev·w_h + b_gates, i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o),
//   c = f⊙c_prev + i⊙g, h = o⊙tanh(c), logits = h·w_out + b_out.
// The initial state (h, c) of every sequence is zero.
template <typename Scalar>
struct LstmParameters {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

  static constexpr int kNumBlocks = 7;

  int input_size = 0;
  int embed_size = 0;
  int hidden_size = 0;
  int num_tokens = 0;
  InputActivation input_activation = InputActivation::kTanh;

  Matrix w_in, b_in, w_x, w_h, b_gates, w_out, b_out;

  // Sizes the blocks for the given shape, all entries zero.
  void Resize(int input, int embed, int hidden, int tokens, InputActivation activation);

  // Calls f(name, block) for the seven blocks, always in the order listed above.
  template <typename F>
  void ForEachBlock(F&& f) {
    f("w_in", w_in);
    f("b_in", b_in);
    f("w_x", w_x);
    f("w_h", w_h);
    f("b_gates", b_gates);
    f("w_out", w_out);
    f("b_out", b_out);
  }
  template <typename F>
  void ForEachBlock(F&& f) const {
    f("w_in", w_in);
    f("b_in", b_in);
    f("w_x", w_x);
    f("w_h", w_h);
    f("b_gates", b_gates);
    f("w_out", w_out);
    f("b_out", b_out);
  }

  // Total number of scalars in all blocks.
  Eigen::Index NumParameters() const;

  // Same shape, every block zero (e.g. a gradient accumulator).
  LstmParameters ZerosLike() const;

  // Same shape and values converted to another scalar type.
  template <typename Other>
  LstmParameters<Other> Cast() const {
    LstmParameters<Other> out;
    out.input_size = input_size;
    out.embed_size = embed_size;
    out.hidden_size = hidden_size;
    out.num_tokens = num_tokens;
    out.input_activation = input_activation;
    out.w_in = w_in.template cast<Other>();
    out.b_in = b_in.template cast<Other>();
    out.w_x = w_x.template cast<Other>();
    out.w_h = w_h.template cast<Other>();
    out.b_gates = b_gates.template cast<Other>();
    out.w_out = w_out.template cast<Other>();
    out.b_out = b_out.template cast<Other>();
    return out;
  }
};

extern template struct LstmParameters<float>;
extern template struct LstmParameters<double>;

// Deterministic initialisation from rng (consumed in block order, each block column-major):
// weight blocks are Glorot-uniform, U(−a, a) with a = sqrt(6 / (fan_in + fan_out)), where the
// fan_out of a gate block is hidden_size (each gate is its own layer); biases are zero except
// the forget-gate bias, set to forget_bias (1 keeps early gradients flowing through c).
// The parameters must already be sized (Resize).
void InitializeGlorot(LstmParameters<float>& params, float forget_bias, Rng& rng);

// Binary form of the shape and all blocks: magic "PHYSRLSP", format version, a byte-order
// marker, the shape, then each block as (rows, cols, column-major floats). Native byte order;
// reading a file written with another byte order is rejected.
void WriteLstmParameters(std::ostream& out, const LstmParameters<float>& params);
// Throws InputError if the stream is truncated, is not such a file, or holds inconsistent
// sizes. `what` names the source in the message (e.g. a checkpoint path).
LstmParameters<float> ReadLstmParameters(std::istream& in, const char* what);

}  // namespace physr
