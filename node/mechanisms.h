// Every conflict-detection mechanism (node/causality.h), and the one switch
// from a Mechanism to its final class for code templated on it.
#pragma once

#include <utility>

#include "node/causality.h"
#include "node/client_vv.h"
#include "node/dvv.h"
#include "node/lww.h"
#include "node/server_vv.h"

namespace kv {

// Runs `body.template operator()<Rules>()` with Rules the final class of
// mechanism `m`: the body is instantiated once per mechanism, and calls its
// rules inline. For example
//   with_rules(m, [&]<class Rules>() { return Rules::verdict(held, write); });
template <class F>
decltype(auto) with_rules(Mechanism m, F&& body) {
  switch (m) {
    case Mechanism::kClientVv:
      break;
    case Mechanism::kServerVv:
      return std::forward<F>(body).template operator()<ServerVv>();
    case Mechanism::kDvv:
      return std::forward<F>(body).template operator()<Dvv>();
    case Mechanism::kLww:
      return std::forward<F>(body).template operator()<Lww>();
  }
  return std::forward<F>(body).template operator()<ClientVv>();
}

}  // namespace kv
