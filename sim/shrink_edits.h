// The edits sim/shrink.cc's search makes to a scenario: each takes a
// scenario and returns a changed copy (or nullopt where the edit does not
// apply). None of them runs the result against the failure; the search does
// that, and keeps an edit only if the file it writes fails the same way.
//
// Edits keep the scenario loadable where they can (times within run_until,
// node numbers in range); plausible() says whether one is, cheaply, before
// a run is spent on it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/scenario.h"

namespace kv::sim {

// `scenario` with its workload's operations as timeline client events
// (clients numbered after the scripted ones, clock: auto), drawn with
// `seed` exactly as the simulation draws them (draw_workload_op); nullopt
// for a colocated workload (its clocks come from the node's store at the
// time) or one of more than 20,000 operations.
//
// A workload queues each operation when the one before it falls due, a
// timeline event before the run starts; so where an operation and an event
// the run queued (a delivery, a timeout) fall in the same microsecond, the
// workload's operation comes second and a timeline event first. With
// `keep_order`, the original run is made once to find those operations
// (Simulation::keep_workload_ties), and each becomes an event 1 us later,
// which keeps the order in most runs; without it, every event stays at the
// operation's own time. Either way the run can differ from the original's,
// so the shrinker keeps it only if the failure stays.
std::optional<Scenario> materialize_workload(const Scenario& scenario, uint64_t seed,
                                             bool keep_order = false);

// Loss 0, and a drop: event for each message the loss draw dropped.
std::optional<Scenario> scripted_losses(const Scenario& scenario, uint64_t seed);

// Whether the network still draws anything (loss, duplication, a delay
// that is not constant).
bool random_network(const Scenario& scenario);

// Every message's fate scripted (a drop: or a delay: event each), the
// network constant and lossless: the same run with no network draws at all,
// which the search then thins to the fates that matter (a fate removed: the
// message arrives after 1 ms; a duplicated message's event says `again`).
// nullopt if the run sends too many to list.
std::optional<Scenario> scripted_network(const Scenario& scenario, uint64_t seed);

// `scenario` without node `k` (0-based): its events go, the others are
// renumbered, explicit clocks become what the
// mechanism says they are without node k (client-vv: they lose slot k). nullopt for the last node.
std::optional<Scenario> without_node(const Scenario& scenario, NodeIndex k);

// The keys of client events and of the expectations, in order of
// appearance.
std::vector<std::string> keys_of(const Scenario& scenario);

// "a".."z", then "k27", "k28"...: the i-th key's short name.
std::string short_key(size_t i);

// `scenario` with keys renamed (old -> new; a key not listed stays). Two
// keys that meet under one name must not have different expectations:
// nullopt then (merging `x`, expected to hold 3 siblings, into `y`,
// expected to hold 7, would keep one of the two and drop the other).
std::optional<Scenario> with_keys(const Scenario& scenario,
                                  const std::map<std::string, std::string>& renamed);

// The values written by client events, in order of appearance.
std::vector<std::string> values_of(const Scenario& scenario);

// `scenario` with values renamed (JSON texts, old -> new) in its events and
// in its expectations alike.
Scenario with_values(const Scenario& scenario, const std::map<std::string, std::string>& renamed);

// Whether the loader would take `scenario` as far as the edits can break
// it: in time order each node alternates crash and restart, every event
// and the workload's last operation within run_until.
bool plausible(const Scenario& scenario);

// Events in time order, file order kept at equal times.
void sort_events(Scenario& scenario);

}  // namespace kv::sim
