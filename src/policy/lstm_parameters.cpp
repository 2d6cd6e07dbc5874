#include "physr/policy/lstm_parameters.hpp"

#include <cmath>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>

#include "physr/core/binary_io.hpp"
#include "physr/core/error.hpp"

namespace physr {

template <typename Scalar>
void LstmParameters<Scalar>::Resize(int input, int embed, int hidden, int tokens,
                                    InputActivation activation) {
  PHYSR_CHECK(input > 0 && embed > 0 && hidden > 0 && tokens > 0,
              "LstmParameters sizes must be positive");
  input_size = input;
  embed_size = embed;
  hidden_size = hidden;
  num_tokens = tokens;
  input_activation = activation;
  w_in.setZero(input, embed);
  b_in.setZero(1, embed);
  w_x.setZero(embed, 4 * hidden);
  w_h.setZero(hidden, 4 * hidden);
  b_gates.setZero(1, 4 * hidden);
  w_out.setZero(hidden, tokens);
  b_out.setZero(1, tokens);
}

template <typename Scalar>
Eigen::Index LstmParameters<Scalar>::NumParameters() const {
  Eigen::Index n = 0;
  ForEachBlock([&](const char*, const Matrix& block) { n += block.size(); });
  return n;
}

template <typename Scalar>
LstmParameters<Scalar> LstmParameters<Scalar>::ZerosLike() const {
  LstmParameters out;
  out.Resize(input_size, embed_size, hidden_size, num_tokens, input_activation);
  return out;
}

template struct LstmParameters<float>;
template struct LstmParameters<double>;

namespace {

void FillUniform(Eigen::Ref<Eigen::MatrixXf> block, double limit, Rng& rng) {
  for (Eigen::Index j = 0; j < block.cols(); ++j)
    for (Eigen::Index i = 0; i < block.rows(); ++i)
      block(i, j) = static_cast<float>(rng.Uniform(-limit, limit));
}

double GlorotLimit(int fan_in, int fan_out) {
  return std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
}

}  // namespace

void InitializeGlorot(LstmParameters<float>& p, float forget_bias, Rng& rng) {
  const int h = p.hidden_size;
  FillUniform(p.w_in, GlorotLimit(p.input_size, p.embed_size), rng);
  p.b_in.setZero();
  FillUniform(p.w_x, GlorotLimit(p.embed_size, h), rng);
  FillUniform(p.w_h, GlorotLimit(h, h), rng);
  p.b_gates.setZero();
  p.b_gates.middleCols(h, h).setConstant(forget_bias);
  FillUniform(p.w_out, GlorotLimit(h, p.num_tokens), rng);
  p.b_out.setZero();
}

namespace {
constexpr std::string_view kParametersMagic = "PHYSRLSP";
constexpr std::uint32_t kParametersVersion = 1;
constexpr std::int32_t kMaxSize = 1 << 20;
}  // namespace

void WriteLstmParameters(std::ostream& out, const LstmParameters<float>& p) {
  BinaryWriter w(out);
  w.Header(kParametersMagic, kParametersVersion);
  w.Put(static_cast<std::int32_t>(p.input_size));
  w.Put(static_cast<std::int32_t>(p.embed_size));
  w.Put(static_cast<std::int32_t>(p.hidden_size));
  w.Put(static_cast<std::int32_t>(p.num_tokens));
  w.Put(static_cast<std::int32_t>(p.input_activation));
  p.ForEachBlock([&](const char*, const Eigen::MatrixXf& block) { w.Matrix(block); });
}

LstmParameters<float> ReadLstmParameters(std::istream& in, const char* what) {
  BinaryReader r(in, what);
  r.Header(kParametersMagic, kParametersVersion);
  std::int32_t sizes[4];
  for (auto& s : sizes) {
    s = r.Get<std::int32_t>();
    if (s <= 0 || s > kMaxSize) r.Fail("invalid layer size " + std::to_string(s));
  }
  const std::int64_t in_size = sizes[0], embed = sizes[1], hidden = sizes[2], tokens = sizes[3];
  const std::int64_t total =
      in_size * embed + embed * 4 * hidden + hidden * 4 * hidden + hidden * tokens;
  if (total > (std::int64_t{1} << 30)) {
    r.Fail("implausible parameter count " + std::to_string(total));
  }
  const auto activation = r.Get<std::int32_t>();
  if (activation != static_cast<std::int32_t>(InputActivation::kLinear) &&
      activation != static_cast<std::int32_t>(InputActivation::kTanh))
    r.Fail("unknown input activation " + std::to_string(activation));
  LstmParameters<float> p;
  p.Resize(sizes[0], sizes[1], sizes[2], sizes[3], static_cast<InputActivation>(activation));
  p.ForEachBlock([&](const char* name, Eigen::MatrixXf& block) {
    r.Matrix(block, block.rows(), block.cols(), name);
  });
  return p;
}

}  // namespace physr
