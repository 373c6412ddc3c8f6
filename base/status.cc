#include "base/status.h"

namespace kv {

std::string Status::to_string() const {
  switch (code_) {
    case Code::kOk:
      return "ok";
    case Code::kBadInput:
      return "bad input: " + message_;
    case Code::kIoError:
      return "I/O error: " + message_;
  }
  return "unknown status: " + message_;
}

}  // namespace kv
