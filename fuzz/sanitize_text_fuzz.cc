// sanitize_text cleans vendor strings (GPU names, driver error messages,
// dlerror()) before they are shown and put into JSON, whose writer rejects
// invalid UTF-8. Its output must be valid UTF-8 (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF) with no NUL and no control byte other
// than tab and newline.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "fuzz_check.h"
#include "util/strings.h"

namespace {

// RFC 3629 §4, the UTF8-octets grammar: the offset of the first byte that
// does not fit it, or npos when the whole string is valid.
size_t first_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;  // bounds of the second byte
    if (c < 0x80) {
      len = 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;  // overlong
      if (c == 0xed) hi = 0x9f;  // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;  // overlong
      if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    for (size_t k = 1; k < len; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf)) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto out = ongpu::sanitize_text(in);
  // Bad bytes become one '?' each and good ones are copied, so it never grows.
  FUZZ_CHECK(out.size() <= in.size());
  for (char ch : out) {
    auto c = static_cast<unsigned char>(ch);
    FUZZ_CHECK(c != 0);
    FUZZ_CHECK(c >= 0x20 || c == '\t' || c == '\n');
  }
  size_t bad = first_invalid_utf8(out);
  if (bad != std::string_view::npos) {
    std::fprintf(stderr, "fuzz: output byte %zu of %zu starts an invalid UTF-8 sequence:", bad,
                 out.size());
    for (size_t k = bad; k < out.size() && k < bad + 4; ++k) {
      std::fprintf(stderr, " %02x", static_cast<unsigned char>(out[k]));
    }
    std::fprintf(stderr, "\n");
  }
  FUZZ_CHECK(bad == std::string_view::npos);
  return 0;
}
