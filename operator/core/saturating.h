// Saturating integer arithmetic for quantities computed from input (watts, grams, counts): a
// result past the type's range sticks at its limit instead of wrapping, so an absurd input
// reads as absurdly large (and fails every limit) rather than negative. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <limits>

namespace hybridai {

template <class T>
constexpr T SaturatingAdd(T a, T b) {
  T r{};
  if (__builtin_add_overflow(a, b, &r)) {
    return b > 0 ? std::numeric_limits<T>::max() : std::numeric_limits<T>::min();
  }
  return r;
}

template <class T>
constexpr T SaturatingMul(T a, T b) {
  T r{};
  if (__builtin_mul_overflow(a, b, &r)) {
    return (a < 0) != (b < 0) ? std::numeric_limits<T>::min() : std::numeric_limits<T>::max();
  }
  return r;
}

}  // namespace hybridai
