// IANA time zones for budget periods, from the system's time zone database (tzdata) through
// the date library (the basis of C++20's <chrono> time zones). Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace hybridai {

// Whether the name is "UTC" or a zone of the database ("Europe/Paris").
bool KnownTimeZone(std::string_view name);

// The Unix time of the local midnight that starts the civil day `(y, m, d)` in the zone; a
// midnight skipped by a daylight-saving change maps to the instant of the change. An unknown
// zone counts as UTC (validation rejects unknown names before they get here).
int64_t LocalMidnight(std::string_view zone, int64_t year, int64_t month, int64_t day);

// The civil date at `unixSeconds` in the zone.
struct CivilDate {
  int64_t year = 1970;
  int64_t month = 1;    // 1..12
  int64_t day = 1;      // 1..31
  int64_t weekday = 4;  // ISO: 1 = Monday .. 7 = Sunday
};
CivilDate CivilDateAt(std::string_view zone, int64_t unixSeconds);

}  // namespace hybridai
