#include "physr/policy/adam.hpp"

#include <cmath>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>

#include "physr/core/binary_io.hpp"
#include "physr/core/error.hpp"

namespace physr {

AdamOptimizer::AdamOptimizer(const AdamOptions& options) : options_(options) {
  if (!(options.learning_rate > 0.0))
    throw InputError("Adam option learning_rate must be positive");
  if (!(options.epsilon > 0.0)) throw InputError("Adam option epsilon must be positive");
  if (!(options.beta1 >= 0.0 && options.beta1 < 1.0))
    throw InputError("Adam option beta1 must be in [0, 1)");
  if (!(options.beta2 >= 0.0 && options.beta2 < 1.0))
    throw InputError("Adam option beta2 must be in [0, 1)");
  if (!(options.max_grad_norm >= 0.0)) throw InputError("Adam option max_grad_norm must be >= 0");
}

AdamOptimizer::AdamOptimizer(const LstmParameters<float>& like, const AdamOptions& options)
    : AdamOptimizer(options) {
  like.ForEachBlock([&](const char*, const Eigen::MatrixXf& block) {
    m_.push_back(Eigen::MatrixXf::Zero(block.rows(), block.cols()));
    v_.push_back(Eigen::MatrixXf::Zero(block.rows(), block.cols()));
  });
}

double AdamOptimizer::Step(LstmParameters<float>& params, const LstmParameters<float>& gradient) {
  if (m_.empty()) {
    params.ForEachBlock([&](const char*, const Eigen::MatrixXf& block) {
      m_.push_back(Eigen::MatrixXf::Zero(block.rows(), block.cols()));
      v_.push_back(Eigen::MatrixXf::Zero(block.rows(), block.cols()));
    });
  }
  // Shapes, and the global gradient norm (accumulated in double).
  std::vector<const Eigen::MatrixXf*> grads;
  gradient.ForEachBlock(
      [&](const char*, const Eigen::MatrixXf& block) { grads.push_back(&block); });
  double norm2 = 0.0;
  std::size_t b = 0;
  params.ForEachBlock([&](const char*, const Eigen::MatrixXf& block) {
    PHYSR_CHECK(grads[b]->rows() == block.rows() && grads[b]->cols() == block.cols() &&
                    m_[b].rows() == block.rows() && m_[b].cols() == block.cols(),
                "AdamOptimizer::Step: gradient or moments do not match the parameters");
    norm2 += grads[b]->cast<double>().squaredNorm();
    ++b;
  });
  const double norm = std::sqrt(norm2);
  float scale = 1.0f;
  if (options_.max_grad_norm > 0.0 && norm > options_.max_grad_norm)
    scale = static_cast<float>(options_.max_grad_norm / norm);

  ++step_;
  const auto beta1 = static_cast<float>(options_.beta1);
  const auto beta2 = static_cast<float>(options_.beta2);
  const double t = static_cast<double>(step_);
  // Bias corrections folded into the step size and epsilon (Kingma & Ba, end of §2).
  const double correction1 = 1.0 - std::pow(options_.beta1, t);
  const double correction2 = 1.0 - std::pow(options_.beta2, t);
  const auto step_size =
      static_cast<float>(options_.learning_rate * std::sqrt(correction2) / correction1);
  const auto eps_hat = static_cast<float>(options_.epsilon * std::sqrt(correction2));
  b = 0;
  params.ForEachBlock([&](const char*, Eigen::MatrixXf& block) {
    const auto g = grads[b]->array() * scale;
    m_[b].array() = beta1 * m_[b].array() + (1.0f - beta1) * g;
    v_[b].array() = beta2 * v_[b].array() + (1.0f - beta2) * g * g;
    block.array() -= step_size * m_[b].array() / (v_[b].array().sqrt() + eps_hat);
    ++b;
  });
  return norm;
}

namespace {
constexpr std::string_view kAdamMagic = "PHYSRADM";
constexpr std::uint32_t kAdamVersion = 1;
}  // namespace

void AdamOptimizer::Save(std::ostream& out) const {
  BinaryWriter w(out);
  w.Header(kAdamMagic, kAdamVersion);
  w.Put(options_.learning_rate);
  w.Put(options_.beta1);
  w.Put(options_.beta2);
  w.Put(options_.epsilon);
  w.Put(options_.max_grad_norm);
  w.Put(step_);
  w.Put(static_cast<std::int32_t>(m_.size()));
  for (std::size_t b = 0; b < m_.size(); ++b) {
    w.Matrix(m_[b]);
    w.Matrix(v_[b]);
  }
}

AdamOptimizer AdamOptimizer::Load(std::istream& in, const LstmParameters<float>& like,
                                  const char* what) {
  BinaryReader r(in, what);
  r.Header(kAdamMagic, kAdamVersion);
  AdamOptions options;
  options.learning_rate = r.Get<double>();
  options.beta1 = r.Get<double>();
  options.beta2 = r.Get<double>();
  options.epsilon = r.Get<double>();
  options.max_grad_norm = r.Get<double>();
  AdamOptimizer adam(options);  // validates the options read
  adam.step_ = r.Get<std::int64_t>();
  if (adam.step_ < 0) r.Fail("negative step count");
  const auto blocks = r.Get<std::int32_t>();
  if (blocks == 0) {
    if (adam.step_ != 0) r.Fail("steps taken but no moments");
    return adam;
  }
  if (blocks != LstmParameters<float>::kNumBlocks)
    r.Fail("expected " + std::to_string(LstmParameters<float>::kNumBlocks) +
           " moment blocks, got " + std::to_string(blocks));
  like.ForEachBlock([&](const char* name, const Eigen::MatrixXf& block) {
    adam.m_.emplace_back();
    adam.v_.emplace_back();
    r.Matrix(adam.m_.back(), block.rows(), block.cols(), name);
    r.Matrix(adam.v_.back(), block.rows(), block.cols(), name);
  });
  return adam;
}

}  // namespace physr
