// Reading a scenario's `network:` and `replication:` sections
// (docs/SCENARIOS.md): delay families (uniform, constant, exponential,
// pareto, mixture), delays per message role, loss and duplication; N, R, W,
// the coordinator, sloppy quorums and read repair. Errors throw the YAML
// kit's LoadError (sim/yaml_fields.h), as the rest of the loader does.
#pragma once

#include "node/placement.h"
#include "sim/network.h"
#include "sim/scenario.h"
#include "sim/yaml_fields.h"

namespace kv::sim {

// A delay: {dist: uniform, min, max} | {dist: constant, value} |
// {dist: exponential, mean} | {dist: pareto, xm, alpha} |
// {dist: mixture, of: [{weight, dist, ...}, ...]}. `depth` is 1 for a
// mixture's part (which may not be a mixture itself).
DelaySpec read_delay_spec(const yaml::Field& field, int depth = 0);

// The `network:` section into `network`.
void read_network_options(const yaml::Field& field, NetworkOptions& network);

// The `clocks:` section, for a cluster of `nodes` nodes: {skew: TIME,
// drift: PPM} drawn per node, or each a list of one value per node.
ClockSpec read_clocks(const yaml::Field& field, uint32_t nodes);

// The `replication:` section, for a cluster of `nodes` nodes: n in
// [1, nodes], r and w in [1, n].
Replication read_replication(const yaml::Field& field, uint32_t nodes);

// The `staleness:` section: writers in [1, nodes]; read_node in [0, n) and
// only when a node coordinates.
StalenessSpec read_staleness(const yaml::Field& field, uint32_t nodes,
                             const Replication& replication);

}  // namespace kv::sim
