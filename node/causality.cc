#include "node/causality.h"

#include <string>

#include "node/mechanisms.h"

namespace kv {

std::optional<Mechanism> mechanism_by_name(std::string_view name) {
  for (size_t i = 0; i < kMechanisms; ++i) {
    if (kMechanismNames[i] == name) return static_cast<Mechanism>(i);
  }
  return std::nullopt;
}

std::string mechanism_list() {
  std::string out;
  for (size_t i = 0; i < kMechanisms; ++i) {
    if (i > 0) out += ", ";
    out += kMechanismNames[i];
  }
  return out;
}

const Causality& causality(Mechanism m) {
  static const ClientVv client_vv;
  static const ServerVv server_vv;
  static const Dvv dvv;
  static const Lww lww;
  switch (m) {
    case Mechanism::kClientVv:
      return client_vv;
    case Mechanism::kServerVv:
      return server_vv;
    case Mechanism::kDvv:
      return dvv;
    case Mechanism::kLww:
      return lww;
  }
  return client_vv;
}

}  // namespace kv
