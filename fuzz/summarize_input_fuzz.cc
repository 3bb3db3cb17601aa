// What `ongpu summarize` reads: anything on standard input or in a file,
// meant to be doctor documents, srun's labelled output, or both mixed with
// error messages, truncated and broken. The first byte picks the size of the
// chunks the input arrives in, so that every split point is tried.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "render/summarize.h"
#include "summarize/fleet.h"
#include "summarize/hostlist.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ongpu::summarize;
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 64;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  InputLimits limits;
  limits.split.max_document = 4096;  // small, so that the limits are reached too
  limits.split.max_depth = 16;
  limits.max_held_total = 8192;
  InputReader reader(limits);
  FleetCollector fleet;
  std::vector<InputPiece> pieces;
  uint64_t bytes = 0;
  const auto take = [&] {
    for (auto& p : pieces) {
      FUZZ_CHECK(p.piece.size <= text.size());
      FUZZ_CHECK(p.piece.text.size() <= limits.split.max_document);
      bytes += p.piece.size;
      fleet.add_piece("stdin", reader.labelled().value_or(false), std::move(p));
    }
    pieces.clear();
  };
  for (size_t i = 0; i < text.size(); i += chunk) {
    reader.feed(text.substr(i, chunk), pieces);
    take();
  }
  reader.finish(pieces);
  take();
  FUZZ_CHECK(bytes <= text.size());
  const auto summary = fleet.finish();
  size_t nodes = 0;
  for (const auto& g : summary.groups) {
    FUZZ_CHECK(!g.nodes.empty() && !g.variants.empty());
    nodes += g.nodes.size();
    (void)compress_hostlist(g.nodes);
  }
  FUZZ_CHECK(nodes == summary.nodes);
  FUZZ_CHECK(summary.exit_code >= 0 && summary.exit_code <= 2);
  const auto table = ongpu::render_summary_text(summary, {false, true, 40});
  FUZZ_CHECK(!table.empty());
  return 0;
}
