// Test helper: the facts of a healthy machine with `gpus` H100s, which a
// test then breaks in one place. Used only by *_test.cc.
#pragma once

#include <fmt/format.h>

#include "facts/factset.h"

namespace ongpu::testing {

inline FactSet healthy_facts(int gpus = 1) {
  FactSet f;
  f.ongpu_version = "test";
  f.host.kernel_release = std::string("6.1.0-18-amd64");
  f.host.uid = 1000;
  std::vector<PciDevice> pci;
  for (int i = 0; i < gpus; ++i) {
    pci.push_back(
        {fmt::format("0000:{:02x}:00.0", 0x18 + i * 0x10), 0x10de, 0x2330, 0x030200, "nvidia"});
  }
  f.pci.nvidia_devices = pci;
  auto& k = f.kernel_module;
  k.nvidia_loaded = k.nvidia_uvm_loaded = true;
  k.version = std::string("580.65.06");
  k.flavor = std::string("open");
  k.version_text = std::string(
      "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.65.06  Release Build");
  k.secure_boot = false;
  for (std::string p : {"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"}) {
    f.device_nodes.nodes.push_back({p, true, true, true, true, 0666, 0, 0, "root"});
  }
  for (int i = 0; i < gpus; ++i) {
    f.device_nodes.nodes.push_back(
        {fmt::format("/dev/nvidia{}", i), true, true, true, true, 0666, 0, 0, "root"});
  }
  auto lib = [](const char* soname, const char* file) {
    LoadedLibrary l;
    l.soname = soname;
    l.loaded = true;
    l.path = std::string("/usr/lib/x86_64-linux-gnu/") + soname;
    l.real_path = std::string("/usr/lib/x86_64-linux-gnu/") + file;
    l.version = std::string("580.65.06");
    l.ld_library_path_entry = Fact<std::string>::missing("not found through LD_LIBRARY_PATH");
    return l;
  };
  f.nvml.probe.status = ProbeStatus::ok;
  f.nvml.probe.deadline_ms = 10000;
  f.nvml.library = lib("libnvidia-ml.so.1", "libnvidia-ml.so.580.65.06");
  f.nvml.init = ApiResult{0, "NVML_SUCCESS", "Success"};
  f.nvml.driver_version = std::string("580.65.06");
  f.nvml.cuda_driver_version = 13000;
  f.nvml.device_count = static_cast<uint32_t>(gpus);
  f.cuda.probe.status = ProbeStatus::ok;
  f.cuda.probe.deadline_ms = 10000;
  f.cuda.library = lib("libcuda.so.1", "libcuda.so.580.65.06");
  f.cuda.init = ApiResult{0, "CUDA_SUCCESS", "no error"};
  f.cuda.driver_version = 13000;
  f.cuda.device_count = gpus;
  for (int i = 0; i < gpus; ++i) {
    NvmlGpu g;
    g.index = static_cast<uint32_t>(i);
    g.name = std::string("NVIDIA H100 80GB HBM3");
    g.uuid = fmt::format("GPU-{:08x}-1111-2222-3333-444444444444", i);
    g.pci_bus_id = fmt::format("00000000:{:02x}:00.0", 0x18 + i * 0x10);
    g.memory_total_bytes = uint64_t{85899345920};
    g.memory_used_bytes = uint64_t{0};
    g.compute_capability = std::string("9.0");
    g.compute_mode = ComputeMode::shared;
    g.persistence_mode = true;
    g.mig_enabled = false;
    g.mig_device_uuids = std::vector<std::string>{};
    g.retired_pages_pending = false;
    g.row_remap_pending = false;
    g.row_remap_failed = false;
    g.compute_processes = std::vector<GpuProcess>{};
    f.nvml.gpus.push_back(g);
    CudaDevice d;
    d.ordinal = i;
    d.name = *g.name;
    d.uuid = *g.uuid;
    d.pci_bus_id = fmt::format("0000:{:02x}:00.0", 0x18 + i * 0x10);
    d.compute_capability = std::string("9.0");
    d.memory_total_bytes = uint64_t{85899345920};
    d.context = ApiResult{0, "CUDA_SUCCESS", "no error"};
    f.cuda.devices.push_back(d);
  }
  f.cuda_all.probe.status = ProbeStatus::not_run;
  return f;
}

// A container started with NVIDIA_VISIBLE_DEVICES=void: the runtime injects
// no GPU and no driver, so libcuda.so.1 cannot be loaded.
inline void container_without_driver(FactSet& f) {
  f.host.container = "docker";
  f.env.nvidia_visible_devices = "void";
  f.cuda.library.loaded = false;
  f.cuda.library.load_error = "libcuda.so.1: cannot open shared object file";
  f.cuda.init = Fact<ApiResult>::missing("libcuda.so.1 could not be loaded");
  f.cuda.devices.clear();
}

}  // namespace ongpu::testing

namespace ongpu::testing {

// A Python environment with one framework in it, added to `f`.
inline FrameworkFacts& add_framework(FactSet& f, Framework framework, const std::string& version,
                                     BuildFlavor flavor = BuildFlavor::cuda) {
  if (f.python.environments.empty()) {
    PythonEnv env;
    env.interpreter = "/venv/bin/python";
    env.source = "VIRTUAL_ENV";
    env.probe.status = ProbeStatus::ok;
    env.executable = std::string("/venv/bin/python");
    env.version = std::string("3.11.7");
    env.platform = std::string("linux");
    env.machine = std::string("x86_64");
    env.site_packages = {"/venv/lib/python3.11/site-packages"};
    f.python.environments.push_back(env);
  }
  auto& env = f.python.environments.front();
  FrameworkFacts fw;
  fw.framework = framework;
  fw.distribution = enum_string(framework);
  fw.version = version;
  fw.package_dir = "/venv/lib/python3.11/site-packages/" + enum_string(framework);
  fw.flavor = flavor;
  fw.cuda_version = std::string("12.5.1");
  fw.cudnn_version = std::string("9");
  fw.gpu_targets = std::vector<std::string>{"sm_60", "sm_70", "sm_80", "sm_89", "compute_90"};
  env.frameworks.push_back(fw);
  env.distributions.push_back({enum_string(framework),
                               version,
                               "pip",
                               env.site_packages[0],
                               enum_string(framework) + "-" + version + ".dist-info",
                               {}});
  return env.frameworks.back();
}

}  // namespace ongpu::testing
