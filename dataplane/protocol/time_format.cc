// The timestamp helpers declared in frame_encoder.h: fixed-width formatting
// into a stack buffer and the inverse parse, all without allocation.

#include <charconv>
#include <cstdint>
#include <string_view>

#include "dataplane/protocol/frame_encoder.h"

namespace botrelay::protocol {
namespace {

constexpr int64_t kMillisPerDay = 86'400'000;
constexpr int64_t kKstOffsetMillis = 9 * 3'600'000;  // Asia/Seoul: UTC+9, no DST

struct CivilDate {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

// Proleptic Gregorian conversions (H. Hinnant's days_from_civil algorithms).
CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

int64_t DaysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t yoe = year - era * 400;
  const int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

char* WriteDigits(char* p, int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return p + width;
}

// Years 0..9999 take exactly four digits; others (only reachable with absurd
// inputs) keep every digit so the output stays unambiguous.
char* WriteYear(char* p, int64_t year) {
  if (year < 0) {
    *p++ = '-';
    year = -year;
  }
  if (year <= 9999) return WriteDigits(p, year, 4);
  return std::to_chars(p, p + 20, year).ptr;
}

// Writes "YYYY-MM-DD<sep>HH:MM:SS.mmm" for the wall-clock time `unix_ms +
// offset_ms`. Splitting into days first keeps the arithmetic overflow-free
// for every int64 input.
char* WriteDateTime(char* p, int64_t unix_ms, int64_t offset_ms, char separator) {
  int64_t days = unix_ms / kMillisPerDay;
  int64_t ms_of_day = unix_ms % kMillisPerDay;
  if (ms_of_day < 0) {
    ms_of_day += kMillisPerDay;
    --days;
  }
  ms_of_day += offset_ms;
  if (ms_of_day >= kMillisPerDay) {
    ms_of_day -= kMillisPerDay;
    ++days;
  }
  const CivilDate date = CivilFromDays(days);
  p = WriteYear(p, date.year);
  *p++ = '-';
  p = WriteDigits(p, date.month, 2);
  *p++ = '-';
  p = WriteDigits(p, date.day, 2);
  *p++ = separator;
  p = WriteDigits(p, ms_of_day / 3'600'000, 2);
  *p++ = ':';
  p = WriteDigits(p, ms_of_day / 60'000 % 60, 2);
  *p++ = ':';
  p = WriteDigits(p, ms_of_day / 1000 % 60, 2);
  *p++ = '.';
  return WriteDigits(p, ms_of_day % 1000, 3);
}

// Reads exactly `width` decimal digits at `pos`; false if any is not a digit.
bool ReadDigits(std::string_view text, size_t pos, size_t width, int& value) {
  if (pos + width > text.size()) return false;
  value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

// Integer epoch: milliseconds, or seconds when below 1e10 (the old server's
// heuristic for clients that send seconds).
int64_t ParseEpoch(std::string_view text) {
  int64_t value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) return -1;
  if (value < 10'000'000'000) return value * 1000;
  return value;
}

// "YYYY-MM-DD HH:MM:SS[.f{1,6}]" in Asia/Seoul local time, as Python's
// strptime("%Y-%m-%d %H:%M:%S.%f") accepted it.
int64_t ParseKstDateTime(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (!ReadDigits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !ReadDigits(text, 5, 2, month) || text[7] != '-' || !ReadDigits(text, 8, 2, day) ||
      text[10] != ' ' || !ReadDigits(text, 11, 2, hour) || text[13] != ':' ||
      !ReadDigits(text, 14, 2, minute) || text[16] != ':' || !ReadDigits(text, 17, 2, second)) {
    return -1;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return -1;
  }
  int millis = 0;
  if (text.size() > 19) {
    const size_t fraction_digits = text.size() - 20;
    if (text[19] != '.' || fraction_digits < 1 || fraction_digits > 6) return -1;
    int fraction = 0;
    if (!ReadDigits(text, 20, fraction_digits, fraction)) return -1;
    // Scale to microseconds, then truncate to milliseconds.
    for (size_t i = fraction_digits; i < 6; ++i) fraction *= 10;
    millis = fraction / 1000;
  }
  const int64_t local_ms = DaysFromCivil(year, month, day) * kMillisPerDay +
                           ((hour * 60 + minute) * 60 + second) * int64_t{1000} + millis;
  return local_ms - kKstOffsetMillis;
}

}  // namespace

std::string_view FormatIsoUtcMillis(int64_t unix_ms, char (&buf)[32]) {
  char* end = WriteDateTime(buf, unix_ms, 0, 'T');
  *end++ = 'Z';
  return {buf, static_cast<size_t>(end - buf)};
}

std::string_view FormatKstMillis(int64_t unix_ms, char (&buf)[32]) {
  char* end = WriteDateTime(buf, unix_ms, kKstOffsetMillis, ' ');
  return {buf, static_cast<size_t>(end - buf)};
}

int64_t ParseKstMillis(std::string_view text) {
  if (text.empty()) return -1;
  if (text.find_first_not_of("0123456789") == std::string_view::npos) return ParseEpoch(text);
  return ParseKstDateTime(text);
}

}  // namespace botrelay::protocol
