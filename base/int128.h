// GCC and Clang's 128-bit integer, for exact products: the generator's
// bounded draws and the simulator's event order key.
#pragma once

namespace kv {

// __extension__ keeps -Wpedantic quiet about a type the standard lacks.
__extension__ typedef unsigned __int128 uint128;

}  // namespace kv
