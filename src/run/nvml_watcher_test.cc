#include "run/nvml_watcher.h"

#include <gtest/gtest.h>

namespace ongpu::run {
namespace {

TEST(NvmlWatcher, ParsesEachKindOfLine) {
  auto stage = parse_watch_line(R"({"stage":"nvmlInit_v2"})");
  EXPECT_EQ(stage.kind, WatchLine::Kind::stage);
  EXPECT_EQ(stage.stage, "nvmlInit_v2");

  auto error = parse_watch_line(
      R"({"error":{"call":"nvmlInit_v2","code":9,"message":"Driver Not Loaded"}})");
  EXPECT_EQ(error.kind, WatchLine::Kind::error);
  EXPECT_EQ(error.call, "nvmlInit_v2");
  EXPECT_EQ(error.code, 9);
  EXPECT_EQ(error.message, "Driver Not Loaded");

  auto gpus = parse_watch_line(
      R"({"gpus":[{"index":0,"uuid":"GPU-a","name":"H100","pci_bus_id":"00000000:01:00.0","memory_total":85899345920}]})");
  ASSERT_EQ(gpus.kind, WatchLine::Kind::gpus);
  ASSERT_EQ(gpus.gpus.size(), 1u);
  EXPECT_EQ(gpus.gpus[0].uuid, "GPU-a");
  EXPECT_EQ(gpus.gpus[0].memory_total, 85899345920ULL);

  auto sample = parse_watch_line(
      R"({"sample":{"t":1.5,"gpus":[{"index":0,"util":87,"procs":[[1234,1048576],[99,null]],"putil":[[1234,80]]},{"index":1,"procs_error":"NVML_ERROR_NO_PERMISSION"}]}})");
  ASSERT_EQ(sample.kind, WatchLine::Kind::sample);
  ASSERT_EQ(sample.readings.size(), 2u);
  const auto& r0 = sample.readings[0];
  EXPECT_EQ(r0.utilization, 87u);
  ASSERT_TRUE(r0.processes_read);
  ASSERT_EQ(r0.processes.size(), 2u);
  EXPECT_EQ(r0.processes[0].first, 1234);
  EXPECT_EQ(r0.processes[0].second, 1048576ULL);
  EXPECT_FALSE(r0.processes[1].second);  // NVML has no number for it
  ASSERT_TRUE(r0.process_sm);
  EXPECT_EQ((*r0.process_sm)[0], (std::pair<int, unsigned>{1234, 80}));
  const auto& r1 = sample.readings[1];
  EXPECT_FALSE(r1.processes_read);
  EXPECT_FALSE(r1.utilization);
  EXPECT_FALSE(r1.process_sm);  // not supported: absent, not empty
}

TEST(NvmlWatcher, GarbageIsGarbageNotACrash) {
  for (const char* line :
       {"", "not json", "[]", "{}", R"({"gpus":5})",
        R"({"sample":{"gpus":[{"index":"x","util":"high"}]}})",
        R"({"sample":{"gpus":[{"index":0,"util":4000000000}]}})", R"({"error":{"code":"nine"}})"}) {
    auto w = parse_watch_line(line);
    EXPECT_TRUE(w.kind == WatchLine::Kind::garbage || w.kind == WatchLine::Kind::sample ||
                w.kind == WatchLine::Kind::error)
        << line;
    if (w.kind == WatchLine::Kind::sample) {
      for (const auto& r : w.readings) EXPECT_FALSE(r.utilization) << line;
    }
  }
}

}  // namespace
}  // namespace ongpu::run
