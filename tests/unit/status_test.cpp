// base/status.h: Status's kinds and Result<T>'s value-or-status contract.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "base/status.h"

using kv::Result;
using kv::Status;

TEST_CASE("a default Status is ok, with no message") {
  const Status s;
  CHECK(s.ok());
  CHECK_FALSE(s.is_bad_input());
  CHECK_FALSE(s.is_io_error());
  CHECK(s.message().empty());
  CHECK(s.to_string() == "ok");
}

TEST_CASE("the factories make each kind of failure, keeping the message") {
  const Status bad = Status::bad_input("s.yaml:3: nodes: must be 1 to 1000");
  CHECK_FALSE(bad.ok());
  CHECK(bad.is_bad_input());
  CHECK_FALSE(bad.is_io_error());
  CHECK(bad.code() == Status::Code::kBadInput);
  CHECK(bad.message() == "s.yaml:3: nodes: must be 1 to 1000");
  CHECK(bad.to_string() == "bad input: s.yaml:3: nodes: must be 1 to 1000");

  const Status io = Status::io_error("h.jsonl: cannot open: No such file or directory");
  CHECK_FALSE(io.ok());
  CHECK(io.is_io_error());
  CHECK_FALSE(io.is_bad_input());
  CHECK(io.code() == Status::Code::kIoError);
  CHECK(io.to_string() == "I/O error: h.jsonl: cannot open: No such file or directory");
}

TEST_CASE("a Result holds a value or a failed status") {
  Result<std::string> value(std::string("history"));
  REQUIRE(value.ok());
  CHECK(value.status().ok());
  CHECK(value.error().empty());
  CHECK(*value == "history");
  CHECK(value->size() == 7);

  const Result<std::string> failed(Status::io_error("cannot read"));
  CHECK_FALSE(failed.ok());
  CHECK(failed.status().is_io_error());
  CHECK(failed.error() == "cannot read");
}

TEST_CASE("a Result's value can be moved out") {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  REQUIRE(r.ok());
  const std::unique_ptr<int> taken = std::move(r).value();
  REQUIRE(taken != nullptr);
  CHECK(*taken == 7);
}
