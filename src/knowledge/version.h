// Dotted version numbers as NVIDIA and the Python packages write them:
// "580.65.06", "12.5", "2.15.0". Components compare as numbers, so
// "570.26" < "570.124.06"; a missing component counts as 0, so "12.5" ==
// "12.5.0". Nothing here throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ongpu::knowledge {

struct Version {
  std::vector<uint32_t> parts;  // at least one

  std::string str() const;
  // The first n components ("2.15.1".prefix(2) = "2.15").
  Version prefix(size_t n) const;
};

// Digits separated by single dots, nothing else ("12.5", "580.65.06").
// Leading zeros are allowed ("580.65.06"). nullopt for "", "1..2", "v1", "1.x".
std::optional<Version> parse_version(std::string_view text);

// <0, 0, >0 like strcmp.
int compare(const Version& a, const Version& b);

// Compares two version strings; nullopt if either does not parse.
std::optional<int> compare_versions(std::string_view a, std::string_view b);

// a >= b, false when either does not parse.
bool version_at_least(std::string_view a, std::string_view b);

// "2.15.0" and "2.15" share the prefix "2.15": true when the first n
// components of both exist and are equal.
bool same_prefix(const Version& a, const Version& b, size_t n);

}  // namespace ongpu::knowledge
