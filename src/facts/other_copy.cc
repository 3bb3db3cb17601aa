#include <array>
#include <utility>

#include "facts/factset.h"

namespace ongpu {
namespace {

constexpr std::array<std::pair<OtherCopy::Status, std::string_view>, 6> kKeys = {{
    {OtherCopy::Status::skipped, "skipped"},
    {OtherCopy::Status::broken, "broken"},
    {OtherCopy::Status::unreached, "unreached"},
    {OtherCopy::Status::shadowed, "shadowed"},
    {OtherCopy::Status::not_searched, "not_searched"},
    {OtherCopy::Status::not_on_search_path, "not_on_search_path"},
}};

}  // namespace

std::string_view other_copy_status_key(OtherCopy::Status s) {
  for (const auto& [status, key] : kKeys) {
    if (status == s) return key;
  }
  return "other";
}

std::string OtherCopy::to_text() const {
  if (status == Status::other) return path;
  std::string out = path;
  out += ": ";
  out += other_copy_status_key(status);
  out += ": ";
  out += reason;
  return out;
}

// The first ": <key>: " in the text splits it; a path holding such a string
// is not one the loader writes.
OtherCopy OtherCopy::from_text(std::string_view text) {
  OtherCopy best{std::string(text), Status::other, ""};
  size_t best_at = std::string_view::npos;
  for (const auto& [status, key] : kKeys) {
    std::string needle = ": ";
    needle += key;
    needle += ": ";
    const size_t at = text.find(needle);
    if (at != std::string_view::npos && at < best_at) {
      best_at = at;
      best = OtherCopy{std::string(text.substr(0, at)), status,
                       std::string(text.substr(at + needle.size()))};
    }
  }
  return best;
}

}  // namespace ongpu
