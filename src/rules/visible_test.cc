#include "rules/visible.h"

#include <gtest/gtest.h>

#include "render/visible_words.h"
#include "rules/test_facts.h"

namespace ongpu {
namespace {

std::vector<GpuIdentity> four_gpus() {
  std::vector<GpuIdentity> v;
  for (int i = 0; i < 4; ++i) {
    v.push_back({i,
                 fmt::format("GPU-{}a{}b0000-1111-2222-3333-444444444444", i, i),
                 "",
                 fmt::format("gpu{}", i),
                 {}});
  }
  v[2].mig_uuids = {"MIG-1234abcd-0000-0000-0000-000000000000"};
  return v;
}

std::vector<int> nvml_indices(const VisibleResolution& r) {
  std::vector<int> out;
  for (const auto& g : r.visible) out.push_back(g.nvml_index);
  return out;
}

}  // namespace

TEST(Visible, UnsetShowsAll) {
  auto r = resolve_visible(std::nullopt, four_gpus(), OrderSource::cuda);
  EXPECT_EQ(nvml_indices(r), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_FALSE(r.stop_position);
}

TEST(Visible, EmptyHidesAll) {
  auto r = resolve_visible(std::string(""), four_gpus(), OrderSource::cuda);
  EXPECT_TRUE(r.visible.empty());
  EXPECT_TRUE(r.stop_position);
}

TEST(Visible, ListOrderIsEnumerationOrder) {
  // CUDA Programming Guide: CUDA_VISIBLE_DEVICES=2,1 enumerates device 2 before device 1.
  auto r = resolve_visible(std::string("2,1"), four_gpus(), OrderSource::cuda);
  EXPECT_EQ(nvml_indices(r), (std::vector<int>{2, 1}));
  EXPECT_EQ(r.visible[0].cuda_ordinal, 0);
}

TEST(Visible, InvalidEntryEndsTheList) {
  // The guide's example: 0,2,-1,1 makes devices 0 and 2 visible.
  auto r = resolve_visible(std::string("0,2,-1,1"), four_gpus(), OrderSource::cuda);
  EXPECT_EQ(nvml_indices(r), (std::vector<int>{0, 2}));
  ASSERT_TRUE(r.stop_position);
  EXPECT_EQ(*r.stop_position, 2u);
  EXPECT_EQ(r.stop_entry, "-1");
  EXPECT_EQ(r.ignored_entries, (std::vector<std::string>{"1"}));
}

TEST(Visible, MinusOneHidesAll) {
  EXPECT_TRUE(resolve_visible(std::string("-1"), four_gpus(), OrderSource::cuda).visible.empty());
}

TEST(Visible, OutOfRangeIndexEnds) {
  auto r = resolve_visible(std::string("1,7,0"), four_gpus(), OrderSource::cuda);
  EXPECT_EQ(nvml_indices(r), (std::vector<int>{1}));
  EXPECT_EQ(r.stop_entry, "7");
}

TEST(Visible, UuidPrefixMustBeUnique) {
  auto gpus = four_gpus();
  auto r = resolve_visible(std::string("GPU-2a2"), gpus, OrderSource::cuda);
  EXPECT_EQ(nvml_indices(r), (std::vector<int>{2}));
  EXPECT_EQ(r.visible[0].uuid, gpus[2].uuid);
  // "GPU-" alone matches every GPU: ambiguous, ends the list.
  auto amb = resolve_visible(std::string("GPU-"), gpus, OrderSource::cuda);
  EXPECT_TRUE(amb.visible.empty());
  auto bogus = resolve_visible(std::string("GPU-bogus"), gpus, OrderSource::cuda);
  EXPECT_TRUE(bogus.visible.empty());
  EXPECT_NE(visible_stop_words(bogus).find("no GPU has a UUID"), std::string::npos);
}

TEST(Visible, MigUuid) {
  auto r = resolve_visible(std::string("MIG-1234abcd-0000-0000-0000-000000000000"), four_gpus(),
                           OrderSource::cuda);
  ASSERT_EQ(r.visible.size(), 1u);
  EXPECT_TRUE(r.visible[0].mig);
  EXPECT_EQ(r.visible[0].nvml_index, 2);
}

TEST(Visible, GarbageAndRepeatsEnd) {
  EXPECT_EQ(nvml_indices(resolve_visible(std::string("0,abc,1"), four_gpus(), OrderSource::cuda)),
            (std::vector<int>{0}));
  EXPECT_EQ(nvml_indices(resolve_visible(std::string("1,1,2"), four_gpus(), OrderSource::cuda)),
            (std::vector<int>{1}));
  EXPECT_EQ(nvml_indices(resolve_visible(std::string("0,,1"), four_gpus(), OrderSource::cuda)),
            (std::vector<int>{0}));
  EXPECT_EQ(nvml_indices(resolve_visible(std::string("0, 1"), four_gpus(), OrderSource::cuda)),
            (std::vector<int>{0}));
  EXPECT_EQ(nvml_indices(resolve_visible(std::string("+1"), four_gpus(), OrderSource::cuda)),
            (std::vector<int>{}));
}

// Why the list ended is a kind the rules test, not words they parse.
TEST(Visible, StopKinds) {
  using Stop = VisibleResolution::Stop;
  auto stop = [](const std::string& v) {
    return resolve_visible(v, four_gpus(), OrderSource::cuda).stop;
  };
  EXPECT_EQ(resolve_visible(std::nullopt, four_gpus(), OrderSource::cuda).stop, Stop::none);
  EXPECT_EQ(stop("0,1"), Stop::none);
  EXPECT_EQ(stop(""), Stop::empty_value);
  EXPECT_EQ(stop("0,,1"), Stop::empty_entry);
  EXPECT_EQ(stop("-1"), Stop::negative);
  EXPECT_EQ(stop("gpu0"), Stop::not_an_entry);
  EXPECT_EQ(stop("7"), Stop::no_such_index);
  EXPECT_EQ(stop("GPU-ffff"), Stop::no_such_gpu);
  EXPECT_EQ(stop("GPU-"), Stop::ambiguous_uuid);
  EXPECT_EQ(stop("MIG-nothing"), Stop::no_such_mig);
  EXPECT_EQ(stop("1,1"), Stop::repeated);
}

TEST(Visible, IndicesFollowCudasOrderNotNvidiaSmis) {
  // CUDA enumerated the GPUs fastest first: ordinal 0 is nvidia-smi's GPU 3.
  FactSet f = testing::healthy_facts(4);
  std::swap(f.cuda.devices[0], f.cuda.devices[3]);
  auto r = resolve_visible(f);
  EXPECT_EQ(r.order_source, OrderSource::cuda);
  EXPECT_EQ(nvml_indices(r), (std::vector<int>{3, 1, 2, 0}));
}

TEST(Visible, FallsBackToPciOrderWithoutCuda) {
  FactSet f = testing::healthy_facts(2);
  f.cuda.probe.status = ProbeStatus::timed_out;
  f.env.cuda_visible_devices = "1";
  auto r = resolve_visible(f);
  EXPECT_EQ(r.order_source, OrderSource::pci);
  EXPECT_EQ(nvml_indices(r), (std::vector<int>{1}));
}

}  // namespace ongpu
