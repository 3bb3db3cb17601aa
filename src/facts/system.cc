// Collectors for what the kernel shows in /sys, /proc and /dev.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "facts/collect.h"
#include "facts/parsers.h"
#include "util/strings.h"

namespace ongpu {
namespace {

// PCI vendor id of NVIDIA (PCI-SIG vendor list; also nvtop, lspci).
constexpr uint32_t kNvidiaVendor = 0x10de;
// PCI base class 0x03 = display controller (VGA 0x0300, 3D 0x0302).
constexpr uint32_t kDisplayBaseClass = 0x03;

// EFI global-variable GUID for SecureBoot (UEFI spec, EFI_GLOBAL_VARIABLE).
constexpr const char* kSecureBootVar =
    "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";

std::string base_name(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

HostFacts collect_host(const sys::FileSystem& fs) {
  HostFacts h;
  if (auto r = fs.read_file("/proc/sys/kernel/hostname", 256)) {
    h.hostname = std::string(trim(*r));
  } else {
    h.hostname = Fact<std::string>::missing(r.error());
  }
  // os-release(5): /etc/os-release, else /usr/lib/os-release.
  auto os = fs.read_file("/etc/os-release", 64 << 10);
  if (!os) os = fs.read_file("/usr/lib/os-release", 64 << 10);
  if (!os) {
    h.os_name = Fact<std::string>::missing(os.error());
  } else if (auto name = parse_os_release_name(*os)) {
    h.os_name = *name;
  } else {
    h.os_name = Fact<std::string>::missing("os-release names no PRETTY_NAME or NAME");
  }
  if (auto r = fs.read_file("/proc/sys/kernel/osrelease", 256)) {
    h.kernel_release = std::string(trim(*r));
  } else {
    h.kernel_release = Fact<std::string>::missing(r.error());
  }
  // WSL2 exposes the GPU through /dev/dxg and ships libcuda in /usr/lib/wsl/lib
  // (NVIDIA CUDA on WSL User Guide).
  h.wsl = fs.exists("/dev/dxg") || fs.exists("/usr/lib/wsl/lib");
  if (fs.exists("/.dockerenv"))
    h.container = "docker";
  else if (fs.exists("/run/.containerenv"))
    h.container = "podman";
  else if (fs.exists("/var/run/secrets/kubernetes.io"))
    h.container = "kubernetes";
  h.uid = fs.identity().uid;
  return h;
}

PciFacts collect_pci(const sys::FileSystem& fs) {
  PciFacts p;
  const std::string base = "/sys/bus/pci/devices";
  auto entries = fs.list_dir(base);
  if (!entries) {
    p.nvidia_devices = Fact<std::vector<PciDevice>>::missing(entries.error());
    return p;
  }
  std::vector<PciDevice> found;
  for (const auto& bdf : *entries) {
    const std::string dir = base + "/" + bdf;
    auto vendor = fs.read_file(dir + "/vendor", 64);
    if (!vendor) continue;
    auto vendor_id = parse_sysfs_hex(*vendor);
    if (!vendor_id || *vendor_id != kNvidiaVendor) continue;
    auto cls = fs.read_file(dir + "/class", 64);
    auto class_code = cls ? parse_sysfs_hex(*cls) : std::nullopt;
    // NVIDIA also makes audio functions, NVSwitches and bridges: only display
    // controllers are GPUs.
    if (!class_code || ((*class_code >> 16) & 0xff) != kDisplayBaseClass) continue;
    PciDevice d;
    d.bus_id = bdf;
    d.vendor_id = *vendor_id;
    d.class_code = *class_code;
    if (auto dev = fs.read_file(dir + "/device", 64))
      d.device_id = parse_sysfs_hex(*dev).value_or(0);
    if (auto link = fs.read_link(dir + "/driver")) d.driver = base_name(*link);
    found.push_back(std::move(d));
  }
  p.nvidia_devices = found;
  return p;
}

KernelModuleFacts collect_kernel_module(const sys::FileSystem& fs) {
  KernelModuleFacts k;
  std::set<std::string> modules;
  if (auto text = fs.read_file("/proc/modules")) modules = parse_proc_modules(*text);
  // A module built into the kernel is absent from /proc/modules but present in /sys/module.
  auto loaded = [&](const std::string& name) {
    return modules.count(name) > 0 || fs.exists("/sys/module/" + name + "/initstate");
  };
  k.nvidia_loaded = loaded("nvidia") || fs.exists("/proc/driver/nvidia/version");
  k.nvidia_uvm_loaded = loaded("nvidia_uvm");
  k.nouveau_loaded = loaded("nouveau");
  k.vfio_pci_loaded = loaded("vfio_pci");

  auto text = fs.read_file("/proc/driver/nvidia/version", 4096);
  if (text) {
    auto parsed = parse_nvidia_version_file(*text);
    k.version_text = parsed.line.empty()
                         ? Fact<std::string>::missing("no NVRM line in /proc/driver/nvidia/version")
                         : Fact<std::string>(parsed.line);
    k.version = parsed.version.empty()
                    ? Fact<std::string>::missing("no version in /proc/driver/nvidia/version")
                    : Fact<std::string>(parsed.version);
    k.flavor = parsed.flavor.empty() ? Fact<std::string>::missing("the NVRM line does not say")
                                     : Fact<std::string>(parsed.flavor);
  } else {
    k.version_text = k.flavor = Fact<std::string>::missing(text.error());
    k.version = Fact<std::string>::missing(text.error());
  }
  if (!k.version) {
    if (auto v = fs.read_file("/sys/module/nvidia/version", 256); v && !trim(*v).empty()) {
      k.version = std::string(trim(*v));
    }
  }
  // Each GPU the driver bound has a directory named by its PCI address.
  if (auto gpus = fs.list_dir("/proc/driver/nvidia/gpus")) {
    std::vector<GpuMinor> minors;
    for (const auto& bus_id : *gpus) {
      auto info = fs.read_file("/proc/driver/nvidia/gpus/" + bus_id + "/information", 4096);
      if (!info) continue;
      if (auto minor = parse_device_minor(*info)) minors.push_back({bus_id, *minor});
    }
    std::sort(minors.begin(), minors.end(),
              [](const GpuMinor& a, const GpuMinor& b) { return a.bus_id < b.bus_id; });
    k.gpu_minors = std::move(minors);
  } else {
    k.gpu_minors = Fact<std::vector<GpuMinor>>::missing(gpus.error());
  }
  auto sb = fs.read_file(kSecureBootVar, 64);
  if (sb) {
    auto on = parse_secure_boot_efivar(*sb);
    k.secure_boot = on ? Fact<bool>(*on) : Fact<bool>::missing("unexpected SecureBoot variable");
  } else {
    k.secure_boot =
        Fact<bool>::missing("no EFI SecureBoot variable (legacy boot, or efivarfs not mounted)");
  }
  return k;
}

DeviceNodeFacts collect_device_nodes(const sys::FileSystem& fs) {
  DeviceNodeFacts out;
  // The nodes the driver creates (NVIDIA driver README, "Installing the
  // NVIDIA driver": /dev/nvidiactl, /dev/nvidia[0-N], /dev/nvidia-uvm).
  std::vector<std::string> paths = {"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"};
  if (auto names = fs.list_dir("/dev")) {
    std::vector<std::pair<int, std::string>> gpus;
    for (const auto& n : *names) {
      if (!starts_with(n, "nvidia")) continue;
      if (auto index = parse_number<int>(std::string_view(n).substr(6)); index && *index >= 0) {
        gpus.emplace_back(*index, "/dev/" + n);
      }
    }
    std::sort(gpus.begin(), gpus.end());
    for (auto& [_, p] : gpus) paths.push_back(p);
  }
  std::map<uint32_t, std::string> groups;
  if (auto text = fs.read_file("/etc/group", 1 << 20)) groups = parse_etc_group(*text);
  for (const auto& path : paths) {
    DeviceNode n;
    n.path = path;
    auto st = fs.stat(path);
    n.exists = st.ok();
    if (st) {
      n.is_char_device = st->is_char_device;
      n.mode = st->mode;
      n.uid = st->uid;
      n.gid = st->gid;
      if (auto g = groups.find(n.gid); g != groups.end()) n.group = g->second;
      auto a = fs.access(path);
      n.readable = a.readable;
      n.writable = a.writable;
    }
    out.nodes.push_back(n);
  }
  return out;
}

}  // namespace ongpu
