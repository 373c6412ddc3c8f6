// A History's queries: its partial-read note, a message's send by id, and
// the nodes and clients it names (those of its start line, or for a history
// read without one, every name it uses).
#include "history/history.h"

#include <algorithm>
#include <set>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/natural_less.h"
#include "base/time_text.h"
#include "history/reader.h"

namespace kv::history {

std::string History::partial_note() const {
  if (complete) return "";
  return "PARTIAL history: it stops at line " + std::to_string(last_line) +
         " (t=" + format_time(last_t_us) + ") without its end; nothing after that is shown";
}

const SendEvent* History::find_send(uint64_t id) const {
  auto it =
      std::lower_bound(send_index.begin(), send_index.end(), std::pair<uint64_t, size_t>{id, 0});
  if (it == send_index.end() || it->first != id) return nullptr;
  return &std::get<SendEvent>(events[it->second].data);
}

std::vector<std::string> History::nodes() const {
  if (start) return start->nodes;
  std::set<std::string, NaturalLess> seen;
  for (const Event& e : events) {
    auto add = [&](const std::string& name) {
      if (is_node_name(name)) seen.insert(name);
    };
    std::visit(
        [&](const auto& d) {
          using T = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<T, SendEvent>) {
            add(d.src);
            add(d.dest);
          } else if constexpr (std::is_same_v<T, ApplyEvent> || std::is_same_v<T, SiblingsEvent> ||
                               std::is_same_v<T, FinalEvent> || std::is_same_v<T, OpEvent>) {
            add(d.node);
          } else if constexpr (std::is_same_v<T, FaultEvent>) {
            add(d.node);
            for (const auto& g : d.groups) std::for_each(g.begin(), g.end(), add);
            std::for_each(d.from.begin(), d.from.end(), add);
            std::for_each(d.to.begin(), d.to.end(), add);
            std::for_each(d.ring.begin(), d.ring.end(), add);
          }
        },
        e.data);
  }
  return {seen.begin(), seen.end()};
}

std::vector<std::string> History::clients() const {
  const std::vector<std::string> node_list = nodes();
  const std::set<std::string> node_set(node_list.begin(), node_list.end());
  std::set<std::string, NaturalLess> seen;
  auto add = [&](const std::string& name) {
    if (!name.empty() && node_set.count(name) == 0) seen.insert(name);
  };
  for (const Event& e : events) {
    if (const auto* send = std::get_if<SendEvent>(&e.data)) {
      add(send->src);
      add(send->dest);
    } else if (const auto* apply = std::get_if<ApplyEvent>(&e.data)) {
      if (apply->client_write()) add(apply->client);
    } else if (const auto* timeout = std::get_if<TimeoutEvent>(&e.data)) {
      add(timeout->client);
    } else if (const auto* give_up = std::get_if<GiveUpEvent>(&e.data)) {
      add(give_up->client);
    } else if (const auto* op = std::get_if<OpEvent>(&e.data)) {
      add(op->client);
    }
  }
  return {seen.begin(), seen.end()};
}

}  // namespace kv::history
