#include "sim/compare_report.h"

#include <cstdio>
#include <string_view>

#include "base/escape.h"
#include "base/number_text.h"

namespace kv::sim {

namespace {

std::string num(uint64_t v) {
  return std::to_string(v);
}

// a / b with `digits` decimals ("0" when b is 0).
std::string per(uint64_t a, uint64_t b, int digits = 2) {
  return b == 0 ? "0" : fixed_text(static_cast<double>(a) / static_cast<double>(b), digits);
}

uint64_t runs_of(const Comparison& c) {
  return c.last_seed - c.first_seed + 1;
}

std::string name_of(const MechanismResult& m) {
  return std::string(mechanism_name(m.mechanism));
}

std::string seeds_text(const Comparison& c) {
  const uint64_t runs = runs_of(c);
  return num(runs) + (runs == 1 ? " seed (" : " seeds (") + num(c.first_seed) + ".." +
         num(c.last_seed) + ")";
}

// "12 false siblings" / "1 false sibling".
std::string count_words(uint64_t n, std::string_view one, std::string_view many) {
  return num(n) + " " + std::string(n == 1 ? one : many);
}

struct Column {
  const char* head;
  const char* meaning;
};
constexpr Column kColumns[] = {
    {"true", "true siblings: versions held that are truly concurrent (total)"},
    {"false", "false siblings: versions held that a held version superseded (total)"},
    {"lost", "lost updates: accepted writes no node holds and nothing held follows (total)"},
    {"stale", "stale rejections: client writes a node refused as stale (total)"},
    {"max sib", "the most versions one node held for one key"},
    {"mean sib", "versions per (live node, key)"},
    {"meta/key", "metadata entries per (live node, key)"},
    {"bytes/key", "metadata bytes per (live node, key)"},
    {"messages", "messages sent (total)"},
    {"same net", "runs whose every message and fate is the first mechanism's"},
};

std::vector<std::string> row_of(const Comparison& c, const MechanismResult& m) {
  const CompareRun& t = m.total;
  return {num(t.true_siblings),
          num(t.false_siblings),
          num(t.lost_updates),
          num(t.stale_rejections),
          num(t.max_siblings),
          per(t.versions_held, t.key_copies),
          per(t.metadata_entries, t.key_copies),
          per(t.metadata_bytes, t.key_copies),
          num(t.messages),
          num(m.same_network) + "/" + num(runs_of(c))};
}

}  // namespace

std::string compare_table(const Comparison& c) {
  std::string out =
      c.scenario + ": " + seeds_text(c) + " under each mechanism; the end of each run\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-10s", "mechanism");
  out += line;
  for (const Column& col : kColumns) {
    std::snprintf(line, sizeof line, " %9s", col.head);
    out += line;
  }
  out += "\n";
  for (const MechanismResult& m : c.mechanisms) {
    std::snprintf(line, sizeof line, "%-10s", name_of(m).c_str());
    out += line;
    for (const std::string& cell : row_of(c, m)) {
      std::snprintf(line, sizeof line, " %9s", cell.c_str());
      out += line;
    }
    out += "\n";
  }
  out += "columns:\n";
  for (const Column& col : kColumns) {
    std::snprintf(line, sizeof line, "  %-9s %s\n", col.head, col.meaning);
    out += line;
  }
  return out;
}

std::string mechanism_sentence(const Comparison& c, const MechanismResult& m) {
  const CompareRun& t = m.total;
  const uint64_t runs = runs_of(c);
  const std::string over = " over " + seeds_text(c);
  const std::string meta = per(t.metadata_entries, t.key_copies) + " metadata entries (" +
                           per(t.metadata_bytes, t.key_copies) + " bytes) per key copy";
  switch (m.mechanism) {
    case Mechanism::kClientVv:
      return "client-vv (the client sends a vector clock, built from its last read): it keeps "
             "concurrent writes as siblings and refuses a write whose clock is below a held "
             "one, telling its client (" +
             count_words(t.stale_rejections, "stale rejection", "stale rejections") + over + "). " +
             (t.false_siblings == 0 && t.lost_updates == 0
                  ? std::string("Its clocks agreed with the truth on every run: no false "
                                "sibling, no lost update.")
                  : "Its clocks and the truth disagreed: " +
                        count_words(t.false_siblings, "false sibling", "false siblings") + " and " +
                        count_words(t.lost_updates, "lost update", "lost updates") + ".") +
             " " + meta + ".";
    case Mechanism::kServerVv:
      return "server-vv (the coordinating node stamps one clock per object): a write whose "
             "context does not descend the object's clock joins it as a sibling and removes "
             "none, even one its client had read; so " +
             count_words(t.false_siblings, "version was", "versions were") +
             " kept beside a version that superseded them (false siblings; " +
             per(t.false_siblings, runs) + " a run), up to " + num(t.max_siblings) +
             " siblings on one key: Riak's sibling explosion. " + meta + ".";
    case Mechanism::kDvv:
      return "dvv (dotted version vectors: each sibling carries the dot of the write that made "
             "it): a write removes exactly the siblings its context covers, so " +
             count_words(t.false_siblings, "false sibling", "false siblings") + " and " +
             count_words(t.true_siblings, "true sibling", "true siblings") + " were kept" + over +
             ", at most " + num(t.max_siblings) + " on one key. " + meta +
             ": one entry more per sibling than a version vector, the price of telling "
             "siblings apart.";
    case Mechanism::kLww:
      return "lww (last write wins by the coordinating node's clock): a key holds one version "
             "(at most " +
             num(t.max_siblings) + "), so there are no siblings to resolve, but " +
             count_words(t.lost_updates, "accepted write was", "accepted writes were") + " lost (" +
             per(t.lost_updates, runs) +
             " a run): a concurrent write dropped, or a causally later write beaten by an "
             "earlier one stamped by a clock running ahead; its writer was told \"written\". " +
             meta + ": one timestamp.";
  }
  return "";
}

std::string compare_plot_data(const Comparison& c) {
  const uint64_t runs = runs_of(c);
  std::string out = "# kvsim compare " + c.scenario + ", " + seeds_text(c) +
                    "\n# block 0: mean per run; a column per mechanism\n# measure";
  for (const MechanismResult& m : c.mechanisms) out += " " + name_of(m);
  out += "\n";
  const struct {
    const char* label;
    uint64_t CompareRun::*field;
  } measures[] = {{"true\\nsiblings", &CompareRun::true_siblings},  // \n: gnuplot's line break
                  {"false\\nsiblings", &CompareRun::false_siblings},
                  {"lost\\nupdates", &CompareRun::lost_updates},
                  {"stale\\nrejections", &CompareRun::stale_rejections}};
  for (const auto& measure : measures) {
    out += std::string("\"") + measure.label + "\"";
    for (const MechanismResult& m : c.mechanisms) out += " " + per(m.total.*measure.field, runs, 3);
    out += "\n";
  }
  out += "\n\n# block 1: metadata per key copy: position, mechanism, bytes, entries\n";
  for (size_t i = 0; i < c.mechanisms.size(); ++i) {
    const MechanismResult& m = c.mechanisms[i];
    out += std::to_string(i) + " " + name_of(m) + " " +
           per(m.total.metadata_bytes, m.total.key_copies, 3) + " " +
           per(m.total.metadata_entries, m.total.key_copies, 3) + "\n";
  }
  return out;
}

std::string compare_plot_script(const Comparison& c) {
  const size_t n = c.mechanisms.size();
  std::string plots = "set multiplot title '" + c.scenario + ": " + seeds_text(c) +
                      ", the same runs under each mechanism' font ',13'\n"
                      "set size 0.6, 0.93\nset origin 0, 0\nset bmargin 4\n"
                      "set title 'What each mechanism keeps and loses (mean per run)'\n"
                      "set ylabel 'versions or writes per run'\n"
                      "set style data histograms\nset style histogram clustered gap 1\n"
                      "set style fill pattern 0 border -1\nset boxwidth 0.9\n"
                      "set yrange [0:*]\nset offsets 0, 0, graph 0.1, 0\nset grid ytics\n"
                      "set key top right vertical opaque\nset xtics nomirror\n"
                      "plot ";
  // Mechanism i: colour i+1 and fill pattern i+1 (0 is empty) in both
  // panels, so that the bars are told apart in black and white too.
  const auto style = [](size_t i) {
    return " fill pattern " + std::to_string(i + 1) + " linecolor " + std::to_string(i + 1);
  };
  for (size_t i = 0; i < n; ++i) {
    plots += (i ? ", " : "") + std::string("'compare.dat' index 0 using ") + std::to_string(i + 2) +
             (i == 0 ? ":xtic(1)" : "") + " title '" + name_of(c.mechanisms[i]) + "'" + style(i);
  }
  // Each bar's value above it: bar i of n sits at (i - (n-1)/2) / (n + gap).
  for (size_t i = 0; i < n; ++i) {
    plots += ", 'compare.dat' index 0 using ($0 + (" + std::to_string(i) + " - " +
             std::to_string(n - 1) + "/2.0) / " + std::to_string(n + 1) +
             ".0):" + std::to_string(i + 2) + ":($" + std::to_string(i + 2) +
             " > 0 ? sprintf('%.1f', $" + std::to_string(i + 2) +
             ") : '0') with labels offset 0,0.7 font ',8' notitle";
  }
  plots +=
      "\nset size 0.4, 0.93\nset origin 0.6, 0\n"
      "set style data boxes\nset style fill pattern 0 border -1\n"
      "set title 'Metadata a node keeps per key (mean)'\n"
      "set ylabel 'bytes per key copy'\nset boxwidth 0.6\nunset key\n"
      "set xrange [-0.6:" +
      std::to_string(n) + ".0 - 0.4]\nset yrange [0:*]\nset offsets 0, 0, graph 0.15, 0\nplot ";
  for (size_t i = 0; i < n; ++i) {
    plots += "'compare.dat' index 1 every ::" + std::to_string(i) + "::" + std::to_string(i) +
             " using 1:3:xtic(2) with boxes" + style(i) + ", ";
  }
  plots +=
      "'compare.dat' index 1 using 1:3:(sprintf('%.1f bytes\\n%.1f entries', $3, $4)) with "
      "labels offset 0,1.6 font ',9'\n"
      "unset multiplot\n";
  return "# kvsim compare: the chart of compare.dat (gnuplot compare.gp)\n"
         "set terminal svg size 1100,500 dynamic noenhanced font 'sans,11'\n"
         "set output 'compare.svg'\n" +
         plots +
         "reset\nset terminal pngcairo size 1100,500 noenhanced font 'sans,10'\n"
         "set output 'compare.png'\n" +
         plots;
}

std::string compare_page(const Comparison& c, const std::string& command) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>kvsim "
      "compare: " +
      html_escape(c.scenario) +
      "</title>\n<style>\n"
      "body{font-family:sans-serif;max-width:1150px;margin:1.5em auto;padding:0 1em;"
      "line-height:1.45;color:#222}\n"
      "table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #bbb;padding:.3em "
      ".6em}td{text-align:right}td:first-child,th:first-child{text-align:left}\n"
      "th{background:#eee}code{background:#f4f4f4;padding:0 .2em}img{max-width:100%}\n"
      "dt{font-weight:bold;margin-top:.6em}\n</style>\n</head>\n<body>\n<h1>Four ways to detect "
      "conflicts, on the same runs: " +
      html_escape(c.scenario) + "</h1>\n<p>The scenario ran with " + html_escape(seeds_text(c)) +
      " under each mechanism below: the same nodes, clients, workload, faults and network "
      "for every mechanism; only how versions are ordered changes. The counts are taken at "
      "the end of each run and judged against the truth: which writes each client had seen "
      "when it wrote.</p>\n<p><code>" +
      html_escape(command) + "</code></p>\n<table>\n<tr><th>mechanism</th>";
  for (const Column& col : kColumns) {
    out += "<th title=\"" + html_escape(col.meaning) + "\">" + html_escape(col.head) + "</th>";
  }
  out += "</tr>\n";
  for (const MechanismResult& m : c.mechanisms) {
    out += "<tr><td>" + html_escape(name_of(m)) + "</td>";
    for (const std::string& cell : row_of(c, m)) out += "<td>" + html_escape(cell) + "</td>";
    out += "</tr>\n";
  }
  out += "</table>\n<dl>\n";
  for (const Column& col : kColumns) {
    out += "<dt>" + html_escape(col.head) + "</dt><dd>" + html_escape(col.meaning) + "</dd>\n";
  }
  out +=
      "</dl>\n<p><img src=\"compare.svg\" alt=\"bar charts: true siblings, false siblings, "
      "lost updates and stale rejections per run for each mechanism, and the metadata each "
      "keeps per key\"></p>\n<h2>What the numbers mean</h2>\n<ul>\n";
  for (const MechanismResult& m : c.mechanisms) {
    out += "<li>" + html_escape(mechanism_sentence(c, m)) + "</li>\n";
  }
  out +=
      "</ul>\n<h2>How the runs were made</h2>\n<p>Every random draw comes from the seed, one "
      "stream per subsystem: the workload, each node's anti-entropy, the nodes' clocks, and the "
      "network, which draws each message's fate (lost or not, its delay, a duplicate) in the "
      "order messages are sent. So while two mechanisms send the same messages they get the "
      "same fates, draw for draw. Once one sends a message the other does not (a write "
      "refused as stale instead of replicated, an anti-entropy round with different versions "
      "to repair), the later fates are drawn in another order: from there the comparison "
      "holds over the seeds, not message by message. The column <b>same net</b> counts the "
      "runs in which every message and its fate were the first mechanism's.</p>\n"
      "<p>compare.json has every count, per mechanism and per seed.</p>\n</body>\n</html>\n";
  return out;
}

}  // namespace kv::sim
