#include "cli/mutant_option.h"

#include <cstdio>

#include "cli/exit_status.h"
#include "node/mutant.h"

namespace kv::cli {

namespace {

constexpr const char* kNotBuilt =
    "this kvsim was built without mutants; set up a build with them: meson setup build-mutants "
    "-Dmutants=true --buildtype=release";

void print_mutants() {
  for (const MutantInfo& info : kMutants) {
    std::printf("%-26s %s\n", std::string(info.name).c_str(),
                std::string(info.description).c_str());
  }
}

}  // namespace

void add_mutant_option(CLI::App* command, std::string& name) {
  command->add_option("--mutant", name,
                      "Run a planted bug (a build with -Dmutants=true; `list` lists them)");
}

void add_mutants_flag(CLI::App& app) {
  app.add_flag_callback(
         "--mutants",
         [] {
           if (!kMutantsBuilt) throw CLI::ValidationError("--mutants", kNotBuilt);
           print_mutants();
           throw CLI::Success();
         },
         "List the planted bugs of a mutant build and exit")
      ->trigger_on_parse();
}

std::optional<int> use_mutant_option(const std::string& name, const char* command) {
  if (name.empty()) return std::nullopt;
  if (!kMutantsBuilt) {
    std::fprintf(stderr, "kvsim %s: --mutant: %s\n", command, kNotBuilt);
    return kExitBadInput;
  }
  if (name == "list") {
    print_mutants();
    return kExitOk;
  }
  for (const MutantInfo& info : kMutants) {
    if (info.name != name) continue;
#ifdef KVSIM_MUTANTS
    active_mutant = info.mutant;
#endif
    return std::nullopt;
  }
  std::fprintf(stderr, "kvsim %s: --mutant: no mutant named '%s' (kvsim --mutants lists them)\n",
               command, name.c_str());
  return kExitBadInput;
}

}  // namespace kv::cli
