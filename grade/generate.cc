// The session generator (grade/session.h): draws a session from its own
// stream and aims each write's clock at the siblings its key holds, read
// from a reference replica that is fed every line as it is drawn.
#include <algorithm>
#include <string>
#include <vector>

#include "base/json_text.h"
#include "base/rng.h"
#include "grade/session.h"
#include "node/protocol.h"

namespace kv::grade {

namespace {

using json::Json;

// Keys a session draws from: short ones, one with a colon as in the task's
// example, one with a non-ASCII letter, one with a space, the empty key.
constexpr const char* kKeys[] = {"x", "y", "user:1", "caf\u00e9", "a b", ""};

// Values other than the "v<N>" strings most writes carry: every kind of JSON
// value, strings that need escaping, characters beyond ASCII and beyond the
// BMP. Objects have their keys in one order only, so two values are equal as
// JSON exactly when their texts are.
constexpr const char* kOddValues[] = {
    "0",
    "7",
    "-3",
    "1000000",
    "true",
    "false",
    "null",
    "\"\"",
    "\"caf\\u00e9\"",
    "\"\\u65e5\\u672c\"",
    "\"\\ud83d\\ude00\"",
    "\"a \\\"quoted\\\" \\\\ word\"",
    "\"line\\nbreak\"",
    "[]",
    "[1, \"a\", null]",
    "{\"a\": 1}",
    "{\"n\": {\"m\": [true]}}",
};

// The ways a request can be malformed, each with what kvsim answers.
enum class Bad {
  kNotJson,        // no reply
  kNotObject,      // no reply
  kNoBody,         // no reply
  kNoMsgId,        // no reply
  kMsgIdString,    // no reply
  kUnknownType,    // error 10
  kNoType,         // error 12
  kNoClock,        // error 12
  kNoValue,        // error 12
  kNoKey,          // error 12
  kKeyNotString,   // error 12
  kClockNotArray,  // error 12
  kClockString,    // error 12: an entry that is a string
  kNegative,       // error 12
  kFraction,       // error 12
  kPast2To64,      // error 12 (kvsim's limit)
};
constexpr int kBadKinds = 16;

class Builder {
 public:
  Builder(uint64_t seed, uint64_t index) : rng_(Rng::derive(seed, "grade-session", index)) {}

  Session build(uint64_t index);

 private:
  // Appends a line and feeds it to the reference.
  void add(const std::string& line) {
    session_.lines.push_back(line);
    std::string out, err;
    reference_.handle_line(line, session_.lines.size(), out, err);
  }
  void add(const Json& message) { add(message.dump()); }
  bool chance(uint64_t percent) { return rng_.below(100) < percent; }
  template <class T>
  const T& pick(const std::vector<T>& from) {
    return from[rng_.below(from.size())];
  }

  Json envelope(Json body) {
    Json m = Json::object();
    m["src"] = "c" + std::to_string(1 + rng_.below(3));
    m["dest"] = self_;
    m["body"] = std::move(body);
    return m;
  }
  Json body(const char* type) {
    Json b = Json::object();
    b["type"] = type;
    b["msg_id"] = next_msg_id_++;
    return b;
  }
  std::string key() { return pick(keys_); }
  Json value();
  Json clock_json(const std::vector<uint64_t>& slots);
  std::vector<std::vector<uint64_t>> sibling_clocks(const std::string& key) const;
  std::vector<uint64_t> random_clock();
  std::vector<uint64_t> aim_clock(const std::string& key, bool& duplicate);
  std::vector<uint64_t> resolve_clock(const std::string& key);
  void reshape(std::vector<uint64_t>& clock);

  void init();
  void put(const char* type);
  void get(bool unknown_key);
  void malformed();
  void big_number_put();
  void past_the_bound();

  Rng rng_;
  LineServer reference_;
  Session session_;
  uint64_t next_msg_id_ = 1;
  uint64_t next_value_ = 1;
  size_t nodes_ = 1;
  std::string self_;
  std::vector<std::string> keys_;
};

Json Builder::value() {
  if (chance(75)) return "v" + std::to_string(next_value_++);
  return Json::parse(kOddValues[rng_.below(std::size(kOddValues))]);
}

Json Builder::clock_json(const std::vector<uint64_t>& slots) {
  Json clock = Json::array();
  for (const uint64_t s : slots) clock.push_back(s);
  return clock;
}

std::vector<std::vector<uint64_t>> Builder::sibling_clocks(const std::string& key) const {
  std::vector<std::vector<uint64_t>> clocks;
  for (const VersionPtr& v : reference_.node().get(key)) {
    const auto slots = v->clock.slots();
    clocks.emplace_back(slots.begin(), slots.end());
  }
  return clocks;
}

std::vector<uint64_t> Builder::random_clock() {
  std::vector<uint64_t> clock(nodes_);
  for (uint64_t& slot : clock) slot = rng_.below(4);
  return clock;
}

// Shorter or longer than the node count: trailing zeros dropped or added
// (the same clock under padding), or now and then one more counted slot.
void Builder::reshape(std::vector<uint64_t>& clock) {
  const uint64_t draw = rng_.below(100);
  if (draw < 25) {
    while (clock.size() > 1 && clock.back() == 0) clock.pop_back();
  } else if (draw < 40) {
    clock.resize(clock.size() + 1 + rng_.below(2), 0);
  } else if (draw < 45) {
    clock.push_back(1 + rng_.below(2));
  }
}

// A clock aimed at the key's siblings: dominating them all, dominated by one
// (stale), concurrent with one, equal to one (`duplicate` set when the write
// should also repeat its value), or drawn at random.
std::vector<uint64_t> Builder::aim_clock(const std::string& key, bool& duplicate) {
  duplicate = false;
  const auto siblings = sibling_clocks(key);
  if (siblings.empty()) {
    auto c = random_clock();
    reshape(c);
    return c;
  }
  const std::vector<uint64_t>& s = pick(siblings);
  std::vector<uint64_t> c;
  const uint64_t draw = rng_.below(100);
  if (draw < 30) {  // dominates every sibling
    for (const auto& other : siblings) {
      c.resize(std::max(c.size(), other.size()), 0);
      for (size_t i = 0; i < other.size(); ++i) c[i] = std::max(c[i], other[i]);
    }
    c.resize(std::max(c.size(), nodes_), 0);
    ++c[rng_.below(c.size())];
  } else if (draw < 50) {  // stale: below one sibling
    c = s;
    std::vector<size_t> counted;
    for (size_t i = 0; i < c.size(); ++i) {
      if (c[i] > 0) counted.push_back(i);
    }
    if (counted.empty()) return random_clock();
    c[pick(counted)] -= 1;
  } else if (draw < 70) {  // concurrent with one: one slot up, another down
    c = s;
    c.resize(std::max<size_t>(c.size(), 2), 0);
    const size_t up = rng_.below(c.size());
    std::vector<size_t> down;
    for (size_t i = 0; i < c.size(); ++i) {
      if (i != up && c[i] > 0) down.push_back(i);
    }
    c[up] += 1 + rng_.below(2);
    if (!down.empty()) c[pick(down)] -= 1;
  } else if (draw < 85) {  // equal to one
    c = s;
    duplicate = chance(40);
  } else {
    c = random_clock();
  }
  reshape(c);
  return c;
}

// A resolve's clock: the merge of all, some or none of the siblings, plus one.
std::vector<uint64_t> Builder::resolve_clock(const std::string& key) {
  auto siblings = sibling_clocks(key);
  std::vector<uint64_t> c(nodes_, 0);
  const uint64_t draw = rng_.below(100);
  for (size_t i = 0; i < siblings.size(); ++i) {
    const bool take = draw < 60 || (draw < 85 && chance(50));  // all, some, none
    if (!take) continue;
    c.resize(std::max(c.size(), siblings[i].size()), 0);
    for (size_t j = 0; j < siblings[i].size(); ++j) c[j] = std::max(c[j], siblings[i][j]);
  }
  ++c[rng_.below(c.size())];
  reshape(c);
  return c;
}

void Builder::init() {
  Json b = body("init");
  b["node_id"] = self_;
  Json ids = Json::array();
  for (size_t i = 1; i <= nodes_; ++i) ids.push_back("n" + std::to_string(i));
  b["node_ids"] = ids;
  Json m = envelope(std::move(b));
  m["src"] = "c0";
  add(m);
}

void Builder::put(const char* type) {
  const std::string k = key();
  const bool resolving = std::string_view(type) == "kv_resolve";
  bool duplicate = false;
  const std::vector<uint64_t> clock = resolving ? resolve_clock(k) : aim_clock(k, duplicate);
  Json b = body(type);
  b["key"] = k;
  const Siblings& held = reference_.node().get(k);
  if (duplicate && !held.empty()) {
    // The value of a sibling whose clock is this one under padding.
    for (const VersionPtr& v : held) {
      if (compare(v->clock, Clock(clock)) == Order::kEqual) b["value"] = Json::parse(v->value);
    }
  }
  if (!b.contains("value")) b["value"] = value();
  b["clock"] = clock_json(clock);
  add(envelope(std::move(b)));
}

void Builder::get(bool unknown_key) {
  Json b = body("kv_get");
  b["key"] = unknown_key ? "never written" : key();
  add(envelope(std::move(b)));
}

void Builder::malformed() {
  const Bad bad = static_cast<Bad>(rng_.below(kBadKinds));
  Json b = body(chance(70) ? "kv_put" : "kv_resolve");
  b["key"] = key();
  b["value"] = value();
  b["clock"] = clock_json(random_clock());
  Json m = envelope(b);
  switch (bad) {
    case Bad::kNotJson: {
      std::string text = m.dump();
      return add(chance(50) ? text.substr(0, text.size() / 2) : "hello, node");
    }
    case Bad::kNotObject:
      return add(std::string(chance(50) ? "[1, 2, 3]" : "\"kv_put\""));
    case Bad::kNoBody:
      m.erase("body");
      return add(m);
    case Bad::kNoMsgId:
      m["body"].erase("msg_id");
      return add(m);
    case Bad::kMsgIdString:
      m["body"]["msg_id"] = std::to_string(b["msg_id"].get<uint64_t>());
      return add(m);
    case Bad::kUnknownType:
      m["body"]["type"] = chance(50) ? "kv_delete" : "KV_PUT";
      return add(m);
    case Bad::kNoType:
      m["body"].erase("type");
      return add(m);
    case Bad::kNoClock:
      m["body"].erase("clock");
      return add(m);
    case Bad::kNoValue:
      m["body"].erase("value");
      return add(m);
    case Bad::kNoKey:
      m["body"].erase("key");
      return add(m);
    case Bad::kKeyNotString:
      m["body"]["key"] = chance(50) ? Json(5) : Json::array({"x"});
      return add(m);
    case Bad::kClockNotArray:
      m["body"]["clock"] = chance(50) ? Json("1,0") : Json::object({{"n1", 1}});
      return add(m);
    case Bad::kClockString:
      m["body"]["clock"] = Json::array({"1", 0});
      return add(m);
    case Bad::kNegative:
      m["body"]["clock"] = Json::array({1, -1});
      return add(m);
    case Bad::kFraction: {
      // 1.5 written by hand: the JSON writer would not be asked for a float.
      std::string text = m.dump();
      const std::string clock = "\"clock\":" + m["body"]["clock"].dump();
      text.replace(text.find(clock), clock.size(), "\"clock\":[1.5,0]");
      return add(text);
    }
    case Bad::kPast2To64: {
      std::string text = m.dump();
      const std::string clock = "\"clock\":" + m["body"]["clock"].dump();
      text.replace(text.find(clock), clock.size(), "\"clock\":[18446744073709551616,0]");
      return add(text);
    }
  }
}

// A write whose clock has an entry past 2^53 (a double cannot hold it; kvsim
// keeps it exact up to 2^64-1).
void Builder::big_number_put() {
  Json b = body("kv_put");
  b["key"] = key();
  b["value"] = value();
  std::vector<uint64_t> clock = random_clock();
  clock[rng_.below(clock.size())] = (uint64_t{1} << 53) + 1 + rng_.below(1000);
  b["clock"] = clock_json(clock);
  add(envelope(std::move(b)));
}

// 101 pairwise concurrent writes to one key ([i, 100 - i]): the last passes
// kvsim's bound of 100 siblings.
void Builder::past_the_bound() {
  const std::string k = key();
  for (uint64_t i = 0; i <= 100; ++i) {
    Json b = body("kv_put");
    b["key"] = k;
    b["value"] = "w" + std::to_string(i);
    b["clock"] = Json::array({i, 100 - i});
    add(envelope(std::move(b)));
  }
}

Session Builder::build(uint64_t index) {
  session_.name = "session " + std::to_string(index);
  nodes_ = 1 + rng_.below(5);
  self_ = "n" + std::to_string(1 + rng_.below(nodes_));
  std::vector<std::string> pool(std::begin(kKeys), std::end(kKeys));
  const size_t key_count = 1 + rng_.below(3);
  for (size_t i = 0; i < key_count; ++i) {
    keys_.push_back(pool[rng_.below(pool.size())]);
    pool.erase(std::find(pool.begin(), pool.end(), keys_.back()));
  }
  const bool bad_lines = chance(40);
  const bool before_init = chance(5);
  const bool big_numbers = chance(4);
  const bool bound = chance(1);

  if (before_init) {
    for (uint64_t i = 0, n = 1 + rng_.below(2); i < n; ++i) {
      chance(50) ? put("kv_put") : get(false);
    }
  }
  init();
  if (bound) past_the_bound();
  const uint64_t ops = 3 + rng_.below(25);
  for (uint64_t i = 0; i < ops; ++i) {
    if (bad_lines && chance(12)) {
      malformed();
      continue;
    }
    if (big_numbers && chance(15)) {
      big_number_put();
      continue;
    }
    const uint64_t draw = rng_.below(100);
    if (draw < 50) {
      put("kv_put");
    } else if (draw < 70) {
      put("kv_resolve");
    } else {
      get(draw >= 95);
    }
  }
  for (const std::string& k : keys_) {
    Json b = body("kv_get");
    b["key"] = k;
    add(envelope(std::move(b)));
  }
  return std::move(session_);
}

}  // namespace

Session generate_session(uint64_t seed, uint64_t index) {
  return Builder(seed, index).build(index);
}

}  // namespace kv::grade
