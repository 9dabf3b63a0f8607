#include "core/time_zone.h"

#include <chrono>
#include <exception>
#include <string>

#include <date/tz.h>

namespace hybridai {
namespace {

// Null for UTC and for names the database does not know.
const date::time_zone* Find(std::string_view name) {
  if (name.empty() || name == "UTC" || name == "Etc/UTC") return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// Unix seconds are clamped to +-10,000 years so the date arithmetic stays in range.
constexpr int64_t kMaxSeconds = 10000LL * 366 * 86400;

date::sys_seconds Sys(int64_t unixSeconds) {
  if (unixSeconds > kMaxSeconds) unixSeconds = kMaxSeconds;
  if (unixSeconds < -kMaxSeconds) unixSeconds = -kMaxSeconds;
  return date::sys_seconds{std::chrono::seconds{unixSeconds}};
}

}  // namespace

bool KnownTimeZone(std::string_view name) {
  if (name == "UTC" || name == "Etc/UTC") return true;
  return !name.empty() && Find(name) != nullptr;
}

int64_t LocalMidnight(std::string_view zone, int64_t year, int64_t month, int64_t day) {
  const date::year_month_day ymd{date::year{static_cast<int>(year)},
                                 date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  const date::local_days local{ymd};
  const date::time_zone* tz = Find(zone);
  if (tz == nullptr) {
    return date::sys_days{ymd}.time_since_epoch() / std::chrono::seconds{1};
  }
  const auto sys = tz->to_sys(date::local_seconds{local}, date::choose::earliest);
  return sys.time_since_epoch().count();
}

CivilDate CivilDateAt(std::string_view zone, int64_t unixSeconds) {
  const date::sys_seconds t = Sys(unixSeconds);
  const date::time_zone* tz = Find(zone);
  const date::local_seconds local =
      tz == nullptr ? date::local_seconds{t.time_since_epoch()} : tz->to_local(t);
  const auto days = date::floor<date::days>(local);
  const date::year_month_day ymd{days};
  const date::weekday wd{days};
  CivilDate c;
  c.year = static_cast<int>(ymd.year());
  c.month = static_cast<unsigned>(ymd.month());
  c.day = static_cast<unsigned>(ymd.day());
  c.weekday = wd.iso_encoding();
  return c;
}

}  // namespace hybridai
