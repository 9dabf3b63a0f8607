// Decimal parsing, formatting and the rounding arithmetic (128-bit intermediates).
#include "core/decimal.h"

#include <cstdint>
#include <cstdlib>

namespace hybridai {
namespace {

using int128 = __int128;

constexpr int64_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};

Decimal Saturate(int128 v) {
  if (v > INT64_MAX) return Decimal::Max();
  if (v < INT64_MIN) return Decimal::Min();
  return Decimal::FromUnits(static_cast<int64_t>(v));
}

// num / den rounded half away from zero; den != 0.
int128 DivRound(int128 num, int128 den) {
  if (den < 0) {
    num = -num;
    den = -den;
  }
  int128 q = num / den;
  int128 r = num % den;
  if (r < 0) r = -r;
  if (2 * r >= den) q += num < 0 ? -1 : 1;
  return q;
}

}  // namespace

std::optional<Decimal> Decimal::Parse(std::string_view text, bool allow_negative) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    if (!allow_negative) return std::nullopt;
    negative = true;
    text.remove_prefix(1);
  }
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty()) return std::nullopt;
  if (dot != std::string_view::npos && (frac.empty() || frac.size() > kScaleDigits)) {
    return std::nullopt;
  }
  // Accumulate as a positive 128-bit magnitude; reject anything past the int64 range.
  int128 units = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    units = units * 10 + (c - '0');
    if (units > static_cast<int128>(INT64_MAX) / kScale + 1) return std::nullopt;
  }
  units *= kScale;
  int64_t frac_units = 0;
  for (size_t i = 0; i < frac.size(); ++i) {
    char c = frac[i];
    if (c < '0' || c > '9') return std::nullopt;
    frac_units += (c - '0') * kPow10[kScaleDigits - 1 - i];
  }
  units += frac_units;
  if (negative) units = -units;
  if (units > INT64_MAX || units < INT64_MIN) return std::nullopt;
  return Decimal(static_cast<int64_t>(units));
}

std::string Decimal::ToString(int min_fraction_digits) const {
  if (min_fraction_digits < 0) min_fraction_digits = 0;
  if (min_fraction_digits > kScaleDigits) min_fraction_digits = kScaleDigits;
  // Magnitude as unsigned so that INT64_MIN has no overflow.
  uint64_t mag = units_ < 0 ? 0 - static_cast<uint64_t>(units_) : static_cast<uint64_t>(units_);
  uint64_t whole = mag / kScale;
  uint64_t frac = mag % kScale;
  std::string out = units_ < 0 ? "-" : "";
  out += std::to_string(whole);
  std::string digits = std::to_string(frac);
  digits.insert(0, kScaleDigits - digits.size(), '0');
  size_t keep = digits.size();
  while (keep > static_cast<size_t>(min_fraction_digits) && digits[keep - 1] == '0') --keep;
  if (keep > 0) out += "." + digits.substr(0, keep);
  return out;
}

int64_t Decimal::RoundToInt() const {
  return static_cast<int64_t>(DivRound(units_, kScale));
}

Decimal Decimal::Round(int digits) const {
  if (digits >= kScaleDigits) return *this;
  if (digits < 0) digits = 0;
  int64_t factor = kPow10[kScaleDigits - digits];
  return Saturate(DivRound(units_, factor) * factor);
}

Decimal Decimal::operator*(Decimal o) const {
  return Saturate(DivRound(static_cast<int128>(units_) * o.units_, kScale));
}

Decimal Decimal::operator/(Decimal o) const {
  if (o.units_ == 0) {
    if (units_ == 0) return Decimal();
    return units_ > 0 ? Max() : Min();
  }
  return Saturate(DivRound(static_cast<int128>(units_) * kScale, o.units_));
}

}  // namespace hybridai
