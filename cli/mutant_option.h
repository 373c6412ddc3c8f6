// `--mutant NAME`: runs a planted bug of node/mutant.h (a build set up with
// -Dmutants=true), for `kvsim run`, `kvsim sweep` and any subcommand that
// simulates (a new one adds the option with add_mutant_option and calls
// use_mutant_option before its first simulation). `kvsim --mutants` and
// `--mutant list` list the names.
//
// A build without mutants refuses the option (exit status 2), so a script
// that meant to run a mutant cannot silently run the real code.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace kv::cli {

void add_mutant_option(CLI::App* command, std::string& name);
// Adds `kvsim --mutants`: prints the mutants and exits (0; 2 in a build
// without mutants).
void add_mutants_flag(CLI::App& app);

// Makes `name` the active mutant (empty: none). Returns the exit status to
// stop with, after printing why on stderr (2: no mutants in this build, or
// an unknown name) or the list on stdout (0: NAME is `list`); nullopt: go on.
// Call before any simulation thread starts.
std::optional<int> use_mutant_option(const std::string& name, const char* command);

}  // namespace kv::cli
