// kvsim: a deterministic simulator of a Dynamo-style key-value cluster.
// The CLI is thin: parse the command line, hand over to the subcommand.
#include <CLI/CLI.hpp>

#include "cli/node_command.h"

int main(int argc, char** argv) {
  CLI::App app{"kvsim: a deterministic simulator of a Dynamo-style key-value cluster"};
  app.require_subcommand(1);

  CLI::App* node = app.add_subcommand(
      "node", "Run one node speaking the JSON line protocol on stdin/stdout (SPEC §2)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (node->parsed()) return kv::cli::run_node();
  return 2;
}
