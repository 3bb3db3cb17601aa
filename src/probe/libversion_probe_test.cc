#include "probe/libversion_probe.h"

#include <gtest/gtest.h>

namespace ongpu::probe {

TEST(LibVersion, DecodesEachLibrarysScheme) {
  EXPECT_EQ(decode_cudart_version(13000), "13.0");
  EXPECT_EQ(decode_cudart_version(12050), "12.5");
  EXPECT_EQ(decode_cudnn_version(91900), "9.19.0");
  EXPECT_EQ(decode_cudnn_version(8907), "8.9.7");
  EXPECT_EQ(decode_nccl_version(22809), "2.28.9");
  EXPECT_EQ(decode_nccl_version(2708), "2.7.8");
  EXPECT_EQ(decode_cudnn_version(0), "");
}

}  // namespace ongpu::probe
