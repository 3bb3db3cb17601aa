#include "render/catalog_words.h"

namespace ongpu {

const CatalogWords* catalog_words(std::string_view id) {
  for (const auto& w : catalog_data::kCatalogWords) {
    if (w.id.view() == id) return &w;
  }
  return nullptr;
}

}  // namespace ongpu
