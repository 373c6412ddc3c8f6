// Reading a scenario's `workload:` section (docs/SCENARIOS.md): generated
// clients' operations (clients, keys, ops, start, interval, the put/get/
// resolve mix, random or round-robin targets, colocated clients), every
// operation due by run_until. Errors throw the YAML kit's LoadError
// (sim/yaml_fields.h), as the rest of the loader does.
#pragma once

#include "base/time.h"
#include "sim/scenario.h"
#include "sim/yaml_fields.h"

namespace kv::sim {

// The `workload:` section of a scenario that runs until `run_until`: the
// last operation (start + (ops - 1) * interval) is due by then.
WorkloadSpec read_workload(const yaml::Field& field, SimTime run_until);

}  // namespace kv::sim
