#include "physr/core/files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <utility>

#include "physr/core/error.hpp"

namespace physr {
namespace {

std::string Reason(int error) { return std::generic_category().message(error); }

std::string DirectoryOf(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

void WriteFileAtomically(const std::string& path, std::string_view bytes, std::string_view what) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  auto fail = [&](const char* step, int fd) {
    const int error = errno;
    if (fd >= 0) ::close(fd);
    std::remove(temp.c_str());
    throw InputError("cannot write " + std::string(what) + " '" + path + "': " + step + ": " +
                     Reason(error));
  };
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("open", -1);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write", fd);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) fail("fsync", fd);
  if (::close(fd) != 0) fail("close", -1);
  if (std::rename(temp.c_str(), path.c_str()) != 0) fail("rename", -1);
  const int dir_fd = ::open(DirectoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);  // best effort: the rename is already visible
    ::close(dir_fd);
  }
}

void CheckWritable(const std::string& path, std::string_view what) {
  const std::string prefix = std::string(what) + " '" + path + "': cannot be written: ";
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError(prefix + "it is a directory");
  const std::string dir = DirectoryOf(path);
  if (!std::filesystem::is_directory(dir, ec)) {
    throw InputError(prefix + "no directory '" + dir + "'");
  }
  if (::access(dir.c_str(), W_OK) != 0) throw InputError(prefix + Reason(errno));
  if (std::filesystem::exists(path, ec) && ::access(path.c_str(), W_OK) != 0) {
    throw InputError(prefix + Reason(errno));
  }
}

DirectoryLock::DirectoryLock(const std::string& dir, std::string_view what) {
  const std::string path = (std::filesystem::path(dir) / "lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw InputError("cannot lock " + std::string(what) + " '" + dir + "': " + Reason(errno));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char holder[32] = {};
    const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (error != EWOULDBLOCK) {
      throw InputError("cannot lock " + std::string(what) + " '" + dir + "': " + Reason(error));
    }
    const std::string pid = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "";
    throw InputError(std::string(what) + " '" + dir + "' is in use by another run" +
                     (pid.empty() ? std::string() : " (process " + pid + ")") +
                     "; wait for it to finish or use another directory");
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
}

DirectoryLock::DirectoryLock(DirectoryLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

DirectoryLock& DirectoryLock::operator=(DirectoryLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace physr
