// Reading a scenario's `sweep:` and `swarm:` sections: sim/scenario_search.cc.
#pragma once

#include "sim/scenario.h"
#include "sim/yaml_fields.h"

namespace kv::sim {

// `sweep:`: its seeds and its coverage requirements (sim/sweep.h's kCoverage).
SweepSpec read_sweep(const yaml::Field& field);

// `swarm:`, checked against `scenario` as read so far (its run_until and
// workload: `swarm:` is the last section read).
SwarmSpec read_swarm(const yaml::Field& field, const Scenario& scenario);

}  // namespace kv::sim
