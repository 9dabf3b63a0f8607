// Exact fixed-point decimal for money, ratios (PUE) and accumulated energy/carbon.
// Six fractional digits, stored as a scaled int64; no floating point ever touches money.
// Value type: freely copyable, thread-compatible.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hybridai {

class Decimal {
 public:
  static constexpr int kScaleDigits = 6;
  static constexpr int64_t kScale = 1'000'000;

  constexpr Decimal() = default;
  static constexpr Decimal FromUnits(int64_t units) { return Decimal(units); }
  static constexpr Decimal FromInt(int64_t v) { return Decimal(kScale) * v; }
  static constexpr Decimal Max() { return Decimal(INT64_MAX); }
  static constexpr Decimal Min() { return Decimal(INT64_MIN); }

  // Parses "12", "4.10", "0.000001". No sign unless allow_negative, no exponent, at most six
  // fractional digits. Returns nullopt on anything else (the caller names the field).
  static std::optional<Decimal> Parse(std::string_view text, bool allow_negative = false);

  // Shortest form with at least min_fraction_digits digits after the point: "8.20" for
  // (8.2, 2), "1.2" for (1.2, 0), "41.2" for (41.2, 1), "3" for (3, 0).
  std::string ToString(int min_fraction_digits = 0) const;

  constexpr int64_t units() const { return units_; }
  // Rounds half away from zero to an integer.
  int64_t RoundToInt() const;
  // Rounds half away from zero to `digits` fractional digits (0..6).
  Decimal Round(int digits) const;
  double ToDouble() const { return static_cast<double>(units_) / kScale; }

  // Arithmetic saturates at Max()/Min() instead of overflowing: an absurd accumulated cost
  // must stay absurd, never wrap to a negative number.
  constexpr Decimal operator+(Decimal o) const {
    int64_t r = 0;
    if (__builtin_add_overflow(units_, o.units_, &r)) return o.units_ > 0 ? Max() : Min();
    return Decimal(r);
  }
  constexpr Decimal operator-(Decimal o) const {
    int64_t r = 0;
    if (__builtin_sub_overflow(units_, o.units_, &r)) return o.units_ < 0 ? Max() : Min();
    return Decimal(r);
  }
  constexpr Decimal& operator+=(Decimal o) { return *this = *this + o; }
  constexpr Decimal& operator-=(Decimal o) { return *this = *this - o; }
  // Exact when the result fits; intermediate products use 128-bit arithmetic and round half
  // away from zero at the sixth digit.
  Decimal operator*(Decimal o) const;
  constexpr Decimal operator*(int64_t n) const {
    int64_t r = 0;
    if (__builtin_mul_overflow(units_, n, &r)) return (units_ < 0) != (n < 0) ? Min() : Max();
    return Decimal(r);
  }
  // Division rounds half away from zero at the sixth digit. Dividing by zero gives Max()/Min()
  // by the dividend's sign (zero for zero) rather than trapping.
  Decimal operator/(Decimal o) const;

  constexpr auto operator<=>(const Decimal&) const = default;

 private:
  constexpr explicit Decimal(int64_t units) : units_(units) {}
  int64_t units_ = 0;
};

}  // namespace hybridai
