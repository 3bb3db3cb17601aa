#include "render/prometheus.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>

#include "knowledge/knowledge.h"
#include "knowledge/test_tables.h"
#include "rules/report.h"
#include "rules/test_facts.h"

namespace ongpu {
namespace {

using testing::add_framework;
using testing::healthy_facts;

using testing::tables;

MetricsRun doctor_run() { return {"doctor", 1796000000.5, 0.25, "9.8.7"}; }

// Every sample line: its series (name and labels, as written) -> value.
std::map<std::string, std::string> samples(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    EXPECT_EQ(out.count(line.substr(0, space)), 0u) << "written twice: " << line;
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

std::string value_of(const std::string& text, const std::string& series) {
  auto s = samples(text);
  auto it = s.find(series);
  return it == s.end() ? "<absent>" : it->second;
}

TEST(Prometheus, AHealthyMachineIsUsableWithDcgmLabels) {
  FactSet f = healthy_facts(2);
  f.host.hostname = std::string("node7");
  // /dev/nvidia numbers need not follow NVML's order.
  f.kernel_module.gpu_minors = std::vector<GpuMinor>{{"0000:18:00.0", 1}, {"0000:28:00.0", 0}};
  const std::string text = render_doctor_prometheus(build_report(f, tables()), doctor_run());
  EXPECT_EQ(value_of(text, "ongpu_exit_code{check=\"doctor\"}"), "0");
  EXPECT_EQ(value_of(text, "ongpu_usable_gpus{check=\"doctor\"}"), "2");
  EXPECT_EQ(value_of(text, "ongpu_build_info{check=\"doctor\",version=\"9.8.7\"}"), "1");
  EXPECT_EQ(value_of(text, "ongpu_check_timestamp_seconds{check=\"doctor\"}"), "1796000000.5");
  EXPECT_EQ(value_of(text, "ongpu_check_duration_seconds{check=\"doctor\"}"), "0.25");
  EXPECT_EQ(value_of(text,
                     "ongpu_gpu_usable{check=\"doctor\",gpu=\"0\",UUID=\"GPU-00000000-1111-2222-"
                     "3333-444444444444\",pci_bus_id=\"00000000:18:00.0\",device=\"nvidia1\","
                     "modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"node7\"}"),
            "1");
  EXPECT_EQ(value_of(text,
                     "ongpu_gpu_usable{check=\"doctor\",gpu=\"1\",UUID=\"GPU-00000001-1111-2222-"
                     "3333-444444444444\",pci_bus_id=\"00000000:28:00.0\",device=\"nvidia0\","
                     "modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"node7\"}"),
            "1");
  EXPECT_EQ(text.find("ongpu_finding{"), std::string::npos);
}

TEST(Prometheus, EveryFamilyHasItsHelpAndTypeOnceAndNoTimestamps) {
  FactSet f = healthy_facts(1);
  const std::string text = render_doctor_prometheus(build_report(f, tables()), doctor_run());
  for (const char* name : {"ongpu_build_info", "ongpu_check_timestamp_seconds",
                           "ongpu_check_duration_seconds", "ongpu_exit_code", "ongpu_usable_gpus",
                           "ongpu_gpu_usable", "ongpu_finding", "ongpu_framework_on_gpu"}) {
    const std::string help = std::string("# HELP ") + name + " ";
    const std::string type = std::string("# TYPE ") + name + " gauge\n";
    EXPECT_NE(text.find(help), std::string::npos) << name;
    EXPECT_EQ(text.find(help), text.rfind(help)) << name;
    EXPECT_NE(text.find(type), std::string::npos) << name;
  }
  // A sample is "series value": a third field would be a client timestamp,
  // which node_exporter refuses for the whole file.
  std::istringstream in(text);
  std::string line;
  const std::regex sample(R"(^ongpu_[a-z_]+\{[^}]*\} [^ ]+$)");
  while (std::getline(in, line)) {
    if (line[0] != '#') {
      EXPECT_TRUE(std::regex_match(line, sample)) << line;
    }
  }
}

TEST(Prometheus, ABrokenGpuIsNotUsableAndItsFindingIsASeries) {
  FactSet f = healthy_facts(2);
  f.nvml.gpus[1].row_remap_failed = true;
  const Report r = build_report(f, tables());
  const std::string text = render_doctor_prometheus(r, doctor_run());
  auto s = samples(text);
  int usable = 0;
  int unusable = 0;
  for (const auto& [series, value] : s) {
    if (series.rfind("ongpu_gpu_usable{", 0) != 0) continue;
    if (series.find("gpu=\"1\"") != std::string::npos) {
      EXPECT_EQ(value, "0");
      ++unusable;
    } else {
      EXPECT_EQ(value, "1");
      ++usable;
    }
  }
  EXPECT_EQ(usable, 1);
  EXPECT_EQ(unusable, 1);
  EXPECT_EQ(value_of(text,
                     "ongpu_finding{check=\"doctor\",id=\"gpu.row_remap_failed\",severity="
                     "\"error\",scope=\"\",gpu=\"1\"}"),
            "1");
  EXPECT_EQ(value_of(text, "ongpu_exit_code{check=\"doctor\"}"),
            std::to_string(r.verdict.exit_code));
}

TEST(Prometheus, CudaFailingMakesEveryGpuUnusable) {
  FactSet f = healthy_facts(2);
  f.cuda.init = ApiResult{803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", "mismatch"};
  f.cuda.devices.clear();
  const std::string text = render_doctor_prometheus(build_report(f, tables()), doctor_run());
  EXPECT_EQ(value_of(text, "ongpu_exit_code{check=\"doctor\"}"), "2");
  EXPECT_EQ(value_of(text, "ongpu_usable_gpus{check=\"doctor\"}"), "0");
  int series = 0;
  for (const auto& [name, value] : samples(text)) {
    if (name.rfind("ongpu_gpu_usable{", 0) != 0) continue;
    EXPECT_EQ(value, "0") << name;
    ++series;
  }
  EXPECT_EQ(series, 2);
  EXPECT_NE(text.find("ongpu_finding{check=\"doctor\",id=\"cuda.init_failed\",severity=\"error\""),
            std::string::npos);
}

TEST(Prometheus, AGpuHiddenByCudaVisibleDevicesIsNaN) {
  FactSet f = healthy_facts(2);
  f.env.cuda_visible_devices = "0";
  f.cuda_all = f.cuda;  // the enumeration without the variable sees both
  f.cuda.devices.pop_back();
  f.cuda.device_count = 1;
  const std::string text = render_doctor_prometheus(build_report(f, tables()), doctor_run());
  for (const auto& [name, value] : samples(text)) {
    if (name.rfind("ongpu_gpu_usable{", 0) != 0) continue;
    EXPECT_EQ(value, name.find("gpu=\"1\"") != std::string::npos ? "NaN" : "1") << name;
  }
}

TEST(Prometheus, WithoutNvmlTheGpusAreCudasAndUnknownDevicesHaveEmptyLabels) {
  FactSet f = healthy_facts(1);
  f.nvml.probe.status = ProbeStatus::crashed;
  f.nvml.gpus.clear();
  const std::string text = render_doctor_prometheus(build_report(f, tables()), doctor_run());
  EXPECT_EQ(value_of(text,
                     "ongpu_gpu_usable{check=\"doctor\",gpu=\"\",UUID=\"GPU-00000000-1111-2222-"
                     "3333-444444444444\",pci_bus_id=\"0000:18:00.0\",device=\"\",modelName="
                     "\"NVIDIA H100 80GB HBM3\",Hostname=\"\"}"),
            "1");
}

TEST(Prometheus, FrameworksAreOneSeriesEach) {
  FactSet f = healthy_facts(1);
  add_framework(f, Framework::torch, "2.5.1");
  auto& cpu = add_framework(f, Framework::tensorflow, "2.21.0", BuildFlavor::cpu);
  (void)cpu;
  const Report r = build_report(f, tables());
  const std::string text = render_doctor_prometheus(r, doctor_run());
  ASSERT_EQ(r.frameworks.size(), 2u);
  for (const auto& v : r.frameworks) {
    const std::string series = "ongpu_framework_on_gpu{check=\"doctor\",framework=\"" +
                               enum_string(v.framework) + "\",interpreter=\"" + v.interpreter +
                               "\",version=\"" + v.version + "\"}";
    EXPECT_EQ(value_of(text, series), v.unknown ? "NaN" : (v.gpu ? "1" : "0")) << series;
  }
  EXPECT_EQ(value_of(text,
                     "ongpu_framework_on_gpu{check=\"doctor\",framework=\"tensorflow\","
                     "interpreter=\"/venv/bin/python\",version=\"2.21.0\"}"),
            "0");
}

TEST(Prometheus, LabelValuesAreEscaped) {
  EXPECT_EQ(prometheus_label_value("plain /usr/bin/python3"), "plain /usr/bin/python3");
  EXPECT_EQ(prometheus_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  const std::string bad = prometheus_label_value(std::string("x\xff\xfey"));
  EXPECT_EQ(bad.find('\xff'), std::string::npos);
  EXPECT_EQ(bad.front(), 'x');
  EXPECT_EQ(bad.back(), 'y');

  FactSet f = healthy_facts(1);
  f.host.hostname = std::string("we\"ird\nhost");
  const std::string text = render_doctor_prometheus(build_report(f, tables()), doctor_run());
  EXPECT_NE(text.find("Hostname=\"we\\\"ird\\nhost\""), std::string::npos);
}

}  // namespace
}  // namespace ongpu
