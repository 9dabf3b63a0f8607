#include "cli/text_table.h"

#include <algorithm>

namespace hybridai::cli {
namespace {

constexpr const char* kSeparator = "   ";

// Display width of UTF-8 text: counts code points, not bytes, so names with accents (user input)
// keep the columns aligned. Every code point is assumed one column wide.
size_t DisplayWidth(const std::string& s) {
  size_t width = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++width;
  }
  return width;
}

const char* AnsiCode(Color color) {
  switch (color) {
    case Color::Red:
      return "\033[31m";
    case Color::Green:
      return "\033[32m";
    case Color::Yellow:
      return "\033[33m";
    case Color::Dim:
      return "\033[2m";
    case Color::None:
      break;
  }
  return "";
}

}  // namespace

std::string Colorize(const std::string& text, Color color) {
  if (color == Color::None || text.empty()) return text;
  return std::string(AnsiCode(color)) + text + "\033[0m";
}

std::string TextTable::Render(bool color) const {
  std::vector<size_t> widths(columns_.size(), 0);
  for (size_t c = 0; c < columns_.size(); ++c) widths[c] = DisplayWidth(columns_[c].header);
  for (const auto& row : rows_) {
    for (size_t c = 0; c < columns_.size() && c < row.size(); ++c) {
      widths[c] = std::max(widths[c], DisplayWidth(row[c].text));
    }
  }

  std::string out;
  auto emit_line = [&](auto cell_at) {
    std::string line;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const Cell cell = cell_at(c);
      const size_t pad = widths[c] - DisplayWidth(cell.text);
      const std::string text = color ? Colorize(cell.text, cell.color) : cell.text;
      if (c > 0) line += kSeparator;
      if (columns_[c].align == Align::Right) {
        line += std::string(pad, ' ') + text;
      } else {
        line += text + std::string(pad, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };

  emit_line([&](size_t c) { return Cell(columns_[c].header); });
  for (const auto& row : rows_) {
    emit_line([&](size_t c) { return c < row.size() ? row[c] : Cell(""); });
  }
  return out;
}

}  // namespace hybridai::cli
