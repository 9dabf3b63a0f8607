// Aligned plain-text columns for terminal output (kubectl's `get` look): a header row, then
// rows of cells, each column padded to its widest cell. Colour is applied after padding so that
// escape codes never disturb the alignment. Value type; thread-compatible.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace hybridai::cli {

// ANSI colours for cells; None prints the text as is.
enum class Color { None, Red, Green, Yellow, Dim };

struct Cell {
  Cell(std::string t) : text(std::move(t)) {}  // NOLINT: implicit on purpose, cells are strings
  Cell(const char* t) : text(t) {}             // NOLINT
  Cell(std::string t, Color c) : text(std::move(t)), color(c) {}
  std::string text;
  Color color = Color::None;
};

enum class Align { Left, Right };

class TextTable {
 public:
  struct Column {
    std::string header;
    Align align = Align::Left;
  };

  explicit TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // Missing trailing cells print empty; extra cells are ignored.
  void AddRow(std::vector<Cell> cells) { rows_.push_back(std::move(cells)); }
  bool empty() const { return rows_.empty(); }

  // Columns are separated by three spaces; trailing blanks are trimmed from every line.
  std::string Render(bool color) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<Cell>> rows_;
};

// Wraps text in the ANSI sequence for `color` (no-op for Color::None).
std::string Colorize(const std::string& text, Color color);

}  // namespace hybridai::cli
