// Files physr writes: every one atomically (a temporary file in the same directory, fsync,
// rename over the target, fsync of the directory), so a reader or a later run sees the old
// file or the new one, never half of one; a lock that keeps two runs out of one directory;
// and the check that an output path can be written, made before any work is done.
// Not here: what goes into the files (checkpoint.hpp, the CLI, the Python package).
#pragma once

#include <string>
#include <string_view>

namespace physr {

// Writes `bytes` to `path` atomically. `what` names the file in messages ("result file").
// Throws InputError naming the path and the failing step (open, write, fsync, rename) with
// the system's reason; the temporary file is removed on failure.
void WriteFileAtomically(const std::string& path, std::string_view bytes, std::string_view what);

// Throws InputError "<what> 'path': cannot be written: <reason>" unless `path` could be
// created or replaced now: its directory exists and is writable, and it is not a directory.
// Writes nothing.
void CheckWritable(const std::string& path, std::string_view what);

// An exclusive advisory lock (flock) on `<dir>/lock`, held until destruction; the file holds
// the holder's process id. Throws InputError when another process holds it ("... is in use by
// another run (process N)") or the file cannot be created. Not copyable; movable.
class DirectoryLock {
 public:
  DirectoryLock() = default;
  DirectoryLock(const std::string& dir, std::string_view what);
  DirectoryLock(DirectoryLock&& other) noexcept;
  DirectoryLock& operator=(DirectoryLock&& other) noexcept;
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  ~DirectoryLock();

 private:
  int fd_ = -1;
};

}  // namespace physr
