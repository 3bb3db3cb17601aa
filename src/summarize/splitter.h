// Splits a byte stream into the JSON documents it holds, as they arrive:
// one document, pretty-printed or compact, several concatenated, JSON lines,
// with anything else between them. Only the open document is held, up to a
// limit, so gigabytes of input or a 100 MB line take bounded memory.
//
// A document is an object: from a '{' where no document is open to the '}'
// that closes it (braces inside strings do not count). What is not a
// document is a piece of its own: text that is not JSON (to the end of its
// line), a document cut off by the end of the input, or one cut off by
// another that begins at the start of a line. ongpu's own documents never
// start a line with '{' inside them (compact: one line; pretty-printed:
// nested objects are indented), so a truncated document followed by the
// next one is told apart from one long document.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ongpu::summarize {

enum class PieceKind { document, truncated, too_large, too_deep, not_json };

struct Piece {
  PieceKind kind = PieceKind::document;
  // document: its bytes. truncated: what arrived (a name may still be read
  // from it). not_json: the start of its first line. too_large, too_deep: "".
  std::string text;
  uint64_t offset = 0;           // its first byte in the stream
  uint64_t line = 1;             // the line it starts on
  uint64_t size = 0;             // its bytes in the stream
  bool cut_by_document = false;  // truncated: the next document began
};

struct SplitLimits {
  size_t max_document = size_t{8} << 20;  // doctor documents are 5-50 KB; 1 MB with many envs
  int max_depth = 256;                    // doctor documents nest about 10 deep
  size_t sample = 80;                     // bytes of a not-JSON line kept to show
};

class DocumentSplitter {
 public:
  explicit DocumentSplitter(SplitLimits limits = {}) : limits_(limits) {}

  // The next bytes of the stream; every piece they complete is appended to out.
  void feed(std::string_view bytes, std::vector<Piece>& out);
  // The end of the stream: an open document is truncated.
  void finish(std::vector<Piece>& out);
  // Bytes of the open document held now.
  size_t held() const { return doc_.text.size(); }
  // Whether the bytes so far end inside a string of the open document.
  bool in_string() const { return state_ == State::document && in_string_; }
  // Whether the open document waits for a value next: after a key's ':', a
  // '[' or an array's ',' (told by its open containers, kept up to the
  // depth limit).
  bool expects_value() const;
  // Gives up holding the open document (the caller's budget for all streams
  // is spent): it ends as too_large.
  void drop_open();

 private:
  enum class State { between, junk, document };
  void begin_document();
  void end_document(std::vector<Piece>& out, bool truncated, bool cut_by_document);
  void end_junk(std::vector<Piece>& out);
  void keep(std::string_view bytes);

  SplitLimits limits_;
  State state_ = State::between;
  uint64_t offset_ = 0;  // of the next byte
  uint64_t line_ = 1;
  // the open document
  Piece doc_;
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
  bool at_line_start_ = false;
  bool over_ = false;  // past max_document: no longer held
  bool deep_ = false;
  char last_ = '\0';  // the open document's last byte outside strings that is not a space
  std::string open_;  // its open containers, '{' or '[', innermost last
  // the open run of lines that are not JSON
  Piece junk_;
  bool junk_open_ = false;
};

}  // namespace ongpu::summarize
