// The markdown escaping and the redaction of ongpu report (render/markdown.h,
// render/redact.h), over any bytes a machine could hold in a path, a name or
// a message: the first byte picks the function, the rest is its input.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "render/markdown.h"
#include "render/redact.h"

namespace {

constexpr std::string_view kSpecial = "\\`*_[]<>|~&$";

// Text: one line, and every character markdown or HTML would read escaped.
void fuzz_text(std::string_view in) {
  const std::string out = ongpu::md::text(in);
  FUZZ_CHECK(out.find('\n') == std::string::npos && out.find('\r') == std::string::npos);
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\\') {
      FUZZ_CHECK(i + 1 < out.size());  // a backslash always escapes something
      ++i;
      continue;
    }
    FUZZ_CHECK(kSpecial.find(out[i]) == std::string_view::npos);
  }
}

// A code span in a table cell: one line, delimited by a run of backticks
// that does not occur inside, and no '|' that ends the cell.
void fuzz_code(std::string_view in) {
  const std::string out = ongpu::md::code(in, true);
  FUZZ_CHECK(out.find('\n') == std::string::npos);
  if (out == "(empty)") return;
  size_t fence = 0;
  while (fence < out.size() && out[fence] == '`') ++fence;
  FUZZ_CHECK(fence > 0 && out.size() >= 2 * fence);
  FUZZ_CHECK(out.compare(out.size() - fence, fence, std::string(fence, '`')) == 0);
  const std::string_view inner(out.data() + fence, out.size() - 2 * fence);
  size_t run = 0;
  for (char c : inner) {
    run = c == '`' ? run + 1 : 0;
    FUZZ_CHECK(run < fence);
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '|') FUZZ_CHECK(i > 0 && out[i - 1] == '\\');
  }
}

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Whether `name` stands alone somewhere in `text`: no letter, digit, '_' or
// '-' on either side, and not touching a placeholder's delimiters.
bool stands_alone(std::string_view text, std::string_view name) {
  for (size_t at = text.find(name); at != std::string_view::npos; at = text.find(name, at + 1)) {
    const size_t end = at + name.size();
    auto clear = [](char c) {
      return !word_char(c) && std::string_view("<>&;").find(c) == std::string_view::npos;
    };
    if ((at == 0 || clear(text[at - 1])) && (end == text.size() || clear(text[end]))) return true;
  }
  return false;
}

// Redaction: a user name made of the first bytes (letters, as useradd makes
// them), then any text. No GPU UUID the facts know, and no user name
// standing alone, remains.
void fuzz_redact(std::string_view in) {
  if (in.size() < 4) return;
  const size_t length = 3 + static_cast<unsigned char>(in[0]) % 6;
  if (in.size() < 1 + length) return;
  std::string user;
  for (size_t i = 0; i < length; ++i)
    user += static_cast<char>('a' + static_cast<unsigned char>(in[1 + i]) % 26);
  for (std::string_view reserved : {"root", "user", "host", "uuid", "home", "amp", "nobody"}) {
    if (user == reserved) return;
  }
  const std::string_view text = in.substr(1 + length);
  ongpu::FactSet facts;
  ongpu::NvmlGpu gpu;
  gpu.uuid = std::string("GPU-12345678-9abc-def0-1234-56789abcdef0");
  facts.nvml.gpus.push_back(gpu);
  ongpu::Redactor r({{user}, {"/home/" + user}, {"node-" + user}}, facts);
  r.learn(text);
  const std::string once = r.apply(text);
  const std::string md = ongpu::redact_markdown(text, r);
  for (const std::string& out : {once, md}) {
    std::string lower;
    for (char c : out) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    FUZZ_CHECK(lower.find("12345678-9abc-def0-1234-56789abcdef0") == std::string::npos);
    FUZZ_CHECK(!stands_alone(out, user));
    FUZZ_CHECK(out.find("/home/" + user + "/") == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      fuzz_text(in);
      break;
    case 1:
      fuzz_code(in);
      break;
    case 2:
      fuzz_redact(in);
      break;
  }
  return 0;
}
