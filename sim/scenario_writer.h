// The scenario writer: a Scenario as YAML text that load_scenario_text reads
// back as the same scenario (every field the loader reads; `path` and the
// events' `line` are where a scenario came from, not what it is).
//
// The text is the format of scenarios/: one flow map per event, times as
// base/time_text.h writes them, probabilities in decimal, keys and the
// description as double-quoted strings, values as their JSON text (JSON is
// YAML's flow syntax, and the loader reads it back to the same JSON).
// Round trip: write(load(write(s))) == write(s) for every loadable s.
#pragma once

#include <string>

#include "sim/scenario.h"

namespace kv::sim {

// `header`, when not empty, opens the text as comment lines (one "# " line
// per line of it).
std::string write_scenario(const Scenario& scenario, const std::string& header = "");

// One timeline event as its flow map: "{at: 1ms, crash: n1, amnesia: true}".
std::string event_text(const TimelineEvent& event);

// A probability as the shortest decimal the loader reads back: 0, 1, 0.3,
// 0.000000001.
std::string probability_text(Probability p);

}  // namespace kv::sim
