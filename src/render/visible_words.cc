#include "render/visible_words.h"

#include <fmt/format.h>

namespace ongpu {

std::string visible_stop_words(VisibleResolution::Stop stop, const std::string& entry, size_t gpus,
                               size_t matches) {
  using Stop = VisibleResolution::Stop;
  switch (stop) {
    case Stop::none:
      return "";
    case Stop::empty_value:
      return "the variable is set to an empty string, which hides every GPU";
    case Stop::empty_entry:
      return "an empty entry is not a GPU";
    case Stop::negative:
      return "a negative number is not a GPU (\"-1\" is the usual way to hide GPUs)";
    case Stop::not_an_entry:
      return fmt::format("\"{}\" is neither an index nor a GPU-/MIG- UUID", entry);
    case Stop::no_such_index:
      return fmt::format("there is no GPU {} (this machine has {})", entry, gpus);
    case Stop::no_such_gpu:
      return "no GPU has a UUID starting with " + entry;
    case Stop::ambiguous_uuid:
      return fmt::format("{} matches {} GPUs", entry, matches);
    case Stop::no_such_mig:
      return "no MIG instance has the UUID " + entry;
    case Stop::repeated:
      return entry + " names a GPU that is already in the list";
  }
  return "";
}

}  // namespace ongpu
