#include "sim/scenario_workload.h"

#include <string>
#include <string_view>

#include "base/time_text.h"
#include "sim/yaml_values.h"

namespace kv::sim {

using namespace yaml;

WorkloadSpec read_workload(const Field& field, SimTime run_until) {
  const MapFields fields(
      field, {"clients", "keys", "ops", "start", "interval", "mix", "target", "colocated"});
  WorkloadSpec workload;
  if (auto clients = fields.get("clients")) {
    workload.clients = static_cast<uint32_t>(read_uint(*clients, 1, kMaxClients));
  }
  if (auto keys = fields.get("keys")) {
    workload.keys = static_cast<uint32_t>(read_uint(*keys, 1, UINT32_MAX));
  }
  workload.ops = read_uint(fields.need("ops"), 1, kMaxWorkloadOps);
  if (auto start = fields.get("start")) workload.start = SimTime{read_time(*start)};
  if (auto interval = fields.get("interval")) workload.interval = read_positive_duration(*interval);
  if (auto mix = fields.get("mix")) {
    const MapFields weights(*mix, {"put", "get", "resolve"});
    auto weight = [&](std::string_view kind) -> uint32_t {
      auto field = weights.get(kind);
      return field ? static_cast<uint32_t>(read_uint(*field, 0, UINT32_MAX)) : 0;
    };
    workload.put_weight = weight("put");
    workload.get_weight = weight("get");
    workload.resolve_weight = weight("resolve");
    if (workload.put_weight == 0 && workload.get_weight == 0 && workload.resolve_weight == 0) {
      fail(mix->line, "workload.mix: at least one weight must be greater than 0");
    }
  }
  if (auto target = fields.get("target")) {
    workload.target = read_choice(*target, {"random", "round-robin"}) == 0
                          ? WorkloadSpec::Target::kRandom
                          : WorkloadSpec::Target::kRoundRobin;
  }
  if (auto colocated = fields.get("colocated")) {
    workload.colocated = read_bool(*colocated);
    if (workload.colocated && (workload.get_weight > 0 || workload.resolve_weight > 0)) {
      fail(colocated->line,
           "workload.colocated: colocated clients only put, but mix has get or resolve weights");
    }
  }
  // start + (ops - 1) * interval <= run_until, without overflow.
  const int64_t run_until_us = run_until.us;
  const bool fits = workload.start.us <= run_until_us &&
                    workload.ops - 1 <= static_cast<uint64_t>(run_until_us - workload.start.us) /
                                            static_cast<uint64_t>(workload.interval.us);
  if (!fits) {
    fail(field.key_line, "workload: the last of " + std::to_string(workload.ops) +
                             " operations (every " + format_time(workload.interval.us) + " from " +
                             format_time(workload.start.us) + ") comes after run_until (" +
                             format_time(run_until_us) + ")");
  }
  return workload;
}

}  // namespace kv::sim
