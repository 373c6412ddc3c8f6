// A comparison's reports (sim/compare.h), as text only (cli/compare_command.cc
// writes them and runs gnuplot):
//   compare_table     the table printed in the terminal, with a line on
//                     what its columns count;
//   mechanism_sentence one sentence per mechanism on what its numbers mean
//                     (the terminal, and the page);
//   compare_plot_data compare.dat, for gnuplot: block 0 the mean per run of
//                     true siblings, false siblings, lost updates and stale
//                     rejections, a row per measure and a column per
//                     mechanism; block 1 the metadata per key copy (bytes,
//                     entries), a row per mechanism;
//   compare_plot_script compare.gp: both blocks as bar charts side by side,
//                     into compare.svg and compare.png, bars told apart by
//                     fill pattern as well as colour, each labelled with
//                     its value;
//   compare_page      compare.html: the table, the chart (compare.svg),
//                     the sentences and how the runs were made, one file
//                     that needs no network.
// Numbers in them are for the reader; none orders an event.
#pragma once

#include <string>

#include "sim/compare.h"

namespace kv::sim {

std::string compare_table(const Comparison& comparison);
std::string mechanism_sentence(const Comparison& comparison, const MechanismResult& mechanism);
std::string compare_plot_data(const Comparison& comparison);
std::string compare_plot_script(const Comparison& comparison);
// `command`: the command line that made it, shown on the page.
std::string compare_page(const Comparison& comparison, const std::string& command);

}  // namespace kv::sim
