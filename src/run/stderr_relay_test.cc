#include "run/stderr_relay.h"

#include <gtest/gtest.h>

namespace ongpu::run {
namespace {

using Lines = std::vector<std::string>;

TEST(LineSplitter, SplitsAcrossChunksOnNewlinesAndCarriageReturns) {
  LineSplitter s;
  EXPECT_EQ(s.feed("Could not load dyn"), Lines{});
  EXPECT_EQ(s.feed("amic library\nnext"), (Lines{"Could not load dynamic library"}));
  EXPECT_EQ(s.feed(" 10%\r 20%\r\n\n"), (Lines{"next 10%", " 20%"}));
  EXPECT_EQ(s.feed("tail"), Lines{});
  EXPECT_EQ(s.finish(), (Lines{"tail"}));
  EXPECT_EQ(s.finish(), Lines{});
}

TEST(LineSplitter, CutsARunawayLineOnceAndGoesOn) {
  LineSplitter s;
  auto lines = s.feed(std::string(40000, 'x') + "\nok\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].size(), 16u << 10);
  EXPECT_EQ(lines[1], "ok");
}

}  // namespace
}  // namespace ongpu::run
