#include "render/chart_scale.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ongpu::chart {
namespace {

TEST(ChartScale, NiceStepIsTheSmallestOneTwoOrFiveNotBelow) {
  EXPECT_DOUBLE_EQ(nice_step(0.3), 0.5);
  EXPECT_DOUBLE_EQ(nice_step(1), 1);
  EXPECT_DOUBLE_EQ(nice_step(1.2), 2);
  EXPECT_DOUBLE_EQ(nice_step(7), 10);
  EXPECT_DOUBLE_EQ(nice_step(0.02), 0.02);
  EXPECT_DOUBLE_EQ(nice_step(0), 1);
  EXPECT_DOUBLE_EQ(nice_step(-3), 1);
  EXPECT_DOUBLE_EQ(nice_step(std::numeric_limits<double>::quiet_NaN()), 1);
}

TEST(ChartScale, TimeStepsBecomeClockStepsPastTenSeconds) {
  EXPECT_DOUBLE_EQ(time_step(0.7), 1);
  EXPECT_DOUBLE_EQ(time_step(9), 10);
  EXPECT_DOUBLE_EQ(time_step(11), 15);
  EXPECT_DOUBLE_EQ(time_step(61), 120);
  EXPECT_DOUBLE_EQ(time_step(4000), 7200);
  EXPECT_DOUBLE_EQ(time_step(3 * 86400), 5 * 86400);
}

TEST(ChartScale, DecimalsForAStep) {
  EXPECT_EQ(decimals_for(5), 0);
  EXPECT_EQ(decimals_for(1), 0);
  EXPECT_EQ(decimals_for(0.5), 1);
  EXPECT_EQ(decimals_for(0.1), 1);
  EXPECT_EQ(decimals_for(0.02), 2);
}

TEST(ChartScale, Durations) {
  EXPECT_EQ(duration(0.5, 1), "0.5s");
  EXPECT_EQ(duration(42, 0), "42s");
  EXPECT_EQ(duration(90, 0), "1m30s");
  EXPECT_EQ(duration(120, 2), "2m");
  EXPECT_EQ(duration(3900, 0), "1h5m");
  EXPECT_EQ(duration(3630, 0), "1h0m30s");
  EXPECT_EQ(duration(-4, 1), "0.0s");
  EXPECT_EQ(duration(std::nan(""), 0), "0s");
}

}  // namespace
}  // namespace ongpu::chart
