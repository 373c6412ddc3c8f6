#include "sim/run_end.h"

#include "base/time_text.h"
#include "node/names.h"

namespace kv::sim {
namespace {

std::string counted(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// "a", "a and b", "a, b and c".
std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " and " : ", ";
    out += parts[i];
  }
  return out;
}

}  // namespace

std::string RunEnd::sentence(int64_t run_until_us) const {
  if (!early()) return "";
  std::vector<std::string> left;
  if (ops_unsent > 0) {
    left.push_back(counted(ops_unsent, "operation never sent", "operations never sent"));
  }
  if (requests_in_flight > 0) {
    left.push_back(counted(requests_in_flight, "request in flight", "requests in flight"));
  }
  if (writes_in_flight > 0) {
    left.push_back(counted(writes_in_flight, "write still travelling between nodes",
                           "writes still travelling between nodes"));
  }
  if (!nodes_down.empty()) {
    std::vector<std::string> names;
    for (NodeIndex n : nodes_down) names.push_back(node_name(n));
    left.push_back(joined(names) + " down");
  }
  if (links_cut > 0) {
    left.push_back("a partition in place (" + counted(links_cut, "link", "links") + " cut)");
  }
  std::string out = "the run ended with " + joined(left);
  if (ops_unsent > 0 && last_op_sent_us >= 0) {
    out += " (the last operation was sent at " + format_time(last_op_sent_us) + ")";
  }
  std::vector<std::string> why;
  const std::string until = "run_until = " + format_time(run_until_us);
  if (ops_unsent > 0 || requests_in_flight > 0) {
    why.push_back("the workload outlasts " + until + "; a longer run_until leaves a quiet tail");
  } else if (writes_in_flight > 0) {
    why.push_back("writes were still being replicated or repaired at " + until +
                  "; a longer run_until leaves a quiet tail");
  }
  if (faults_left()) {
    why.push_back(std::string("the faults outlast the run; ") +
                  (links_cut > 0 && !nodes_down.empty() ? "a heal and restarts"
                   : links_cut > 0                      ? "a heal"
                                                        : "a restart") +
                  " before the end would let the cluster settle");
  }
  out += ": ";
  for (size_t i = 0; i < why.size(); ++i) out += (i == 0 ? "" : "; ") + why[i];
  return out;
}

}  // namespace kv::sim
