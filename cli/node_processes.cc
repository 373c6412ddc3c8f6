#include "cli/node_processes.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "base/time_text.h"
#include "node/names.h"

namespace kv::cli {

NodeProcessSet::NodeProcessSet(std::string command, std::string disk, uint32_t nodes,
                               int64_t timeout_us)
    : command_(std::move(command)),
      disk_(std::move(disk)),
      timeout_us_(timeout_us),
      processes_(nodes) {}

NodeProcessSet::~NodeProcessSet() = default;  // each Process stops its group

std::string NodeProcessSet::folder(sim::NodeIndex node) const {
  return disk_ + "/" + node_name(node);
}

Status NodeProcessSet::prepare() {
  std::error_code ec;
  std::filesystem::remove_all(disk_, ec);
  if (ec) return Status::io_error("cannot empty " + disk_ + ": " + ec.message());
  for (sim::NodeIndex i = 0; i < processes_.size(); ++i) {
    std::filesystem::create_directories(folder(i), ec);
    if (ec) return Status::io_error("cannot create " + folder(i) + ": " + ec.message());
  }
  return {};
}

Status NodeProcessSet::start(sim::NodeIndex node) {
  processes_[node].reset();
  // The environment the child inherits (posix_spawn passes environ); the run
  // is single-threaded.
  ::setenv("KVSIM_NODE_ID", node_name(node).c_str(), 1);
  ::setenv("KVSIM_NODE_DIR", folder(node).c_str(), 1);
  Result<std::unique_ptr<grade::Process>> started =
      grade::Process::start({"/bin/sh", "-c", command_});
  ::unsetenv("KVSIM_NODE_ID");
  ::unsetenv("KVSIM_NODE_DIR");
  if (!started.ok()) return started.status();
  processes_[node] = std::move(started.value());
  return {};
}

Status NodeProcessSet::kill(sim::NodeIndex node, bool wipe_disk) {
  processes_[node].reset();  // kills its process group and reaps it
  if (!wipe_disk) return {};
  std::error_code ec;
  std::filesystem::remove_all(folder(node), ec);
  if (!ec) std::filesystem::create_directories(folder(node), ec);
  if (ec) return Status::io_error("cannot empty " + folder(node) + ": " + ec.message());
  return {};
}

std::string NodeProcessSet::how_it_ended(grade::Process& p) {
  std::string text = "it " + p.wait_exit(200000);
  std::string tail = p.stderr_tail();
  while (!tail.empty() && tail.back() == '\n') tail.pop_back();
  text += tail.empty() ? "; its stderr is empty" : "; its stderr ends:\n" + tail;
  return text;
}

Status NodeProcessSet::exchange(sim::NodeIndex node, std::string_view lines,
                                std::vector<std::string>& out) {
  grade::Process* p = processes_[node].get();
  if (p == nullptr) return Status::io_error("no process is running");
  const int64_t deadline = grade::Process::now_us() + timeout_us_;
  const std::string wait = format_time(timeout_us_);
  // One write for the message and its sync (send adds the last '\n'): the
  // node wakes once per reaction.
  if (!lines.empty() && lines.back() == '\n') lines.remove_suffix(1);
  if (!lines.empty()) {
    if (!p->send(lines, deadline)) {
      if (grade::Process::now_us() >= deadline) {
        return Status::bad_input("it read none of its input for " + wait + "; " + how_it_ended(*p));
      }
      return Status::bad_input("it stopped reading its input: " + how_it_ended(*p));
    }
  }
  std::string line;
  for (;;) {
    switch (p->read_line(line, deadline)) {
      case grade::Process::Read::kLine:
        out.push_back(line);
        // The end of the reaction; or a line that cannot be a message, which
        // the simulator reports at once rather than after the deadline.
        if (sim::is_sync_answer(line) || line.empty() || line.front() != '{') return {};
        break;
      case grade::Process::Read::kTimeout: {
        p->stop();
        std::string tail = p->stderr_tail();
        while (!tail.empty() && tail.back() == '\n') tail.pop_back();
        return Status::bad_input(
            "no answer to sync within " + wait + " (--node-timeout)" +
            (out.empty() ? "" : " after " + std::to_string(out.size()) + " line(s)") +
            (tail.empty() ? "; its stderr is empty" : "; its stderr ends:\n" + tail));
      }
      case grade::Process::Read::kClosed:
        return Status::bad_input("its output closed before it answered sync: " + how_it_ended(*p));
    }
  }
}

}  // namespace kv::cli
