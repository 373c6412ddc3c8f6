#include "sim/sweep_plan.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>

#include "base/file.h"
#include "base/hash.h"
#include "node/mutant.h"
#include "sim/yaml_values.h"

namespace kv::sim {

namespace {

// "A..B" with A <= B.
Status parse_seeds(std::string_view text, uint64_t& first, uint64_t& last) {
  const auto range = yaml::parse_seed_range(text);
  if (!range) {
    return Status::bad_input("--seeds: '" + std::string(text) +
                             "' is not a range A..B of seeds with A <= B (e.g. 1..1000)");
  }
  std::tie(first, last) = *range;
  return Status();
}

// The scenario's `sweep: require:`, then the command line's: a counter
// given on the command line too takes the command line's percentage, in its
// place.
Status merge_requirements(const std::vector<std::string>& texts,
                          std::vector<std::pair<std::string, uint64_t>>& required) {
  for (const std::string& text : texts) {
    std::pair<std::string, uint64_t> requirement;
    if (Status s = parse_requirement(text, requirement); !s.ok()) return s;
    auto same = std::find_if(required.begin(), required.end(),
                             [&](const auto& r) { return r.first == requirement.first; });
    if (same != required.end()) {
      same->second = requirement.second;
    } else {
      required.push_back(requirement);
    }
  }
  return Status();
}

}  // namespace

Result<SweepPlan> plan_sweep(const Scenario& scenario, const SweepRequest& request) {
  SweepPlan plan;
  SweepInfo& info = plan.info;
  // --seeds overrides the scenario's `sweep: seeds:`.
  if (!request.seeds.empty()) {
    if (Status s = parse_seeds(request.seeds, info.first, info.last); !s.ok()) return s;
  } else if (scenario.sweep.seeds) {
    std::tie(info.first, info.last) = *scenario.sweep.seeds;
  } else {
    return Status::bad_input(
        "no seeds to sweep: give --seeds A..B, or `sweep: seeds: A..B` "
        "in " +
        request.scenario_path);
  }
  info.swarm = request.swarm;
  if (scenario.mechanism != Mechanism::kClientVv) {
    info.mechanism = std::string(mechanism_name(scenario.mechanism));
  }
  if (active_mutant != Mutant::kNone) info.mutant = mutant_name(active_mutant);
  info.required = scenario.sweep.require;
  if (Status s = merge_requirements(request.require, info.required); !s.ok()) return s;
  plan.slice_first = info.first;
  plan.slice_last = info.last;
  if (!request.shard.empty()) {
    const uint64_t count_minus_one = info.last - info.first;
    const uint64_t count = count_minus_one == UINT64_MAX ? UINT64_MAX : count_minus_one + 1;
    if (Status s = parse_shard(request.shard, count, info.shard, info.shards); !s.ok()) return s;
    shard_slice(info.first, info.last, info.shard, info.shards, plan.slice_first, plan.slice_last);
    info.shard_first = plan.slice_first;
    info.shard_last = plan.slice_last;
  }
  if (plan.slice_last - plan.slice_first >= kMaxSweepSeeds) {
    return Status::bad_input("seeds " + std::to_string(info.first) + ".." +
                             std::to_string(info.last) + " are more than " +
                             std::to_string(kMaxSweepSeeds) +
                             " seeds for one process; split them with --shard I/N");
  }
  // Read once more for its hash; it was read a moment ago, so a failure now
  // leaves the hash of an empty text rather than stopping the sweep.
  const Result<std::string> read = read_file(request.scenario_path, kMaxScenarioBytes);
  const std::string text = read.ok() ? *read : std::string();
  info.scenario = scenario.name;
  info.file = request.scenario_path;
  info.scenario_hash = hex64(stable_hash(text.data(), text.size()));
  return plan;
}

}  // namespace kv::sim
