#!/usr/bin/env bash
# The checks that need a real NVIDIA GPU (TESTING.md, section 5), against a
# build that travels with the repository: no network, no compiler needed.
#
#   tools/gpu-check.sh [BUILD_DIR]        (default: build/ in the repository)
#
#   1. ongpu doctor --json against nvidia-smi on the same machine, GPU by
#      GPU (nvidia-smi index): driver version, name, UUID, memory (MiB,
#      exactly), compute capability, PCI bus id; the CUDA driver version and
#      CUDA's own view of each GPU; the verdict is usable (exit 0 or 1).
#   2. ongpu visible --json under several CUDA_VISIBLE_DEVICES values, with
#      CUDA_DEVICE_ORDER unset and =PCI_BUS_ID: the prediction (visible[],
#      computed from CUDA's unfiltered enumeration) against what libcuda
#      itself enumerated under that environment in the same run
#      (cuda_driver_devices[]), and, when PyTorch is installed, against a
#      separate python3 process asking torch.
#   3. ongpu verify --json for PyTorch, JAX, CuPy, TensorFlow and ONNX Runtime (each that python3 can
#      import): computed on the GPU, results match the CPU's, a speed-up > 1,
#      the result on a GPU device, CUDA libraries in the loaded list; and again
#      with CUDA_VISIBLE_DEVICES="": CPU, with the variable named as the cause
#      (env.cvd_hides_all).
#      Ground truth: tests/ground_truth/observe.py asks each framework itself
#      whether it registers the GPU (torch.cuda.is_available(), jax.devices,
#      CuPy's device count, the ONNX Runtime CUDA provider: what a fake
#      driver cannot show), against the doctor's verdict for python3.
#   4. Start-up time: median of 10 interleaved runs of ongpu doctor --json and
#      of python3 -c pass (reported, not judged: timings are the benchmark's
#      business, bench/doctor_startup.py).
#   5. ongpu run on a real PyTorch training loop (a small MLP on random data,
#      at least 300 steps and about 25 s, written to $OUT/train_mlp.py), when
#      python3 has torch: under --require-gpu with --report and --timeline,
#      it used a GPU (exit 0), the one torch names (UUID), with at least the
#      memory torch reserved, libcuda and cuBLAS mapped, no library other than
#      the doctor predicted, a valid SVG; then the same loop with
#      CUDA_VISIBLE_DEVICES= (torch falls back to the CPU) under
#      --require-gpu=early --grace 20: stopped after the grace period, exit 99,
#      the doctor's cause env.cvd_hides_all.
#
# Reads only; never changes a GPU setting. Every command runs under timeout 60
# (verify: 300, the ongpu run steps: 180 and 120).
# Writes everything to ${OUT:-/tmp/gpu-check}, ends with a table
# (check | expected | got | status) and "N passed, M failed".
# Exit status: 0 all passed, 1 something failed, 2 could not run here.
#
# GPU_CHECK_ALLOW_NO_PCI=1 skips the verdict check (SKIP, not a pass); it is
# only for a dry run with the fake vendor libraries on a machine without a GPU.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build}
ongpu=$(cd "$build" 2>/dev/null && pwd)/ongpu
out=${OUT:-/tmp/gpu-check}
t="timeout 60"

die() { echo "gpu-check: $*" >&2; exit 2; }
[ -x "$ongpu" ] || die "no ongpu binary in $build (build first, or pass the build directory)"
command -v python3 >/dev/null || die "no python3 on PATH"
command -v timeout >/dev/null || die "no timeout command (coreutils)"
command -v nvidia-smi >/dev/null || die "no nvidia-smi: run this on a machine with an NVIDIA GPU"

mkdir -p "$out" || die "cannot create $out"
rm -f "$out"/doctor.* "$out"/nvidia-smi-* "$out"/visible-* "$out"/torch-* "$out"/verify-* "$out"/observe-* "$out"/timing.json \
      "$out"/results.tsv "$out"/machine.txt "$out"/run-torch* "$out"/train_mlp.py

# What this script varies itself starts unset.
orig_cvd=${CUDA_VISIBLE_DEVICES-(unset)}
orig_order=${CUDA_DEVICE_ORDER-(unset)}
unset CUDA_VISIBLE_DEVICES CUDA_DEVICE_ORDER

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "host: $(uname -n), kernel $(uname -r), $(nproc) CPUs"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "ongpu: $ongpu ($($t "$ongpu" version 2>&1))"
  echo "python3: $(command -v python3) ($(python3 --version 2>&1))"
  echo "nvidia-smi: $(command -v nvidia-smi)"
  echo "CUDA_VISIBLE_DEVICES at start: $orig_cvd (unset for the run)"
  echo "CUDA_DEVICE_ORDER at start: $orig_order (unset for the run)"
  echo "LD_LIBRARY_PATH: ${LD_LIBRARY_PATH-(unset)}"
} > "$out/machine.txt"
cat "$out/machine.txt"

# run NAME CMD...: stdout to $out/NAME, stderr to $out/NAME.err, status to $out/NAME.rc
run() {
  local name=$1; shift
  $t "$@" > "$out/$name" 2> "$out/$name.err"
  echo $? > "$out/$name.rc"
}

echo
echo "== 1. doctor against nvidia-smi"
run nvidia-smi-query.csv nvidia-smi \
  --query-gpu=index,driver_version,name,uuid,memory.total,compute_cap,pci.bus_id \
  --format=csv,noheader,nounits
run nvidia-smi-q.txt nvidia-smi -q
run doctor.json "$ongpu" doctor --json
run doctor.txt "$ongpu" doctor
cat "$out/doctor.txt"

echo
echo "== 2. ongpu visible under CUDA_VISIBLE_DEVICES"
# GPU- and the first 8 characters of nvidia-smi GPU 0's UUID.
uuid0=$(awk -F', *' 'NR == 1 { print $4 }' "$out/nvidia-smi-query.csv")
prefix8="GPU-${uuid0#GPU-}"
prefix8=${prefix8:0:12}
# label|value; "unset" is the baseline with the variable not set at all.
cases=("unset|" "0|0" "empty|" "minus1|-1" "0_minus1_1|0,-1,1" "uuid8|$prefix8" "bogus|GPU-bogus" "1|1")

have_torch=0
if $t python3 -c 'import torch' >/dev/null 2>&1; then
  have_torch=1
  echo "(PyTorch found: each case is also asked of torch in a separate process)"
else
  echo "(no PyTorch for python3: the torch comparison is skipped)"
fi
torch_py='import json, torch
print(json.dumps([str(torch.cuda.get_device_properties(i).uuid) for i in range(torch.cuda.device_count())]))'

: > "$out/visible-cases.tsv"
for order in default PCI_BUS_ID; do
  for c in "${cases[@]}"; do
    label=${c%%|*}
    value=${c#*|}
    envs=()
    [ "$label" = unset ] || envs+=("CUDA_VISIBLE_DEVICES=$value")
    [ "$order" = default ] || envs+=("CUDA_DEVICE_ORDER=$order")
    name="$label-$order"
    printf '%s\t%s\t%s\n' "$name" "$([ "$label" = unset ] && echo '(unset)' || echo "\"$value\"")" \
      "$order" >> "$out/visible-cases.tsv"
    run "visible-$name.json" env "${envs[@]}" "$ongpu" visible --json
    if [ "$have_torch" = 1 ]; then
      run "torch-$name.json" env "${envs[@]}" python3 -c "$torch_py"
    fi
    echo "  $name: done"
  done
done

echo
echo "== 3. ongpu verify through the frameworks"
: > "$out/verify-cases.tsv"
for fw in torch jax cupy tensorflow onnxruntime; do
  if ! $t python3 -c "import $fw" >/dev/null 2>&1; then
    echo "  $fw: not importable by python3, skipped"
    printf '%s\tmissing\n' "$fw" >> "$out/verify-cases.tsv"
    continue
  fi
  printf '%s\tpresent\n' "$fw" >> "$out/verify-cases.tsv"
  # Ground truth on a real driver: does the framework itself register the GPU
  # (what a fake driver cannot show for torch, JAX, CuPy and ONNX Runtime)?
  # Judged against the doctor's verdict for python3 below.
  timeout 300 python3 -P "$repo/tests/ground_truth/observe.py" "$fw" > "$out/observe-$fw.txt" 2> "$out/observe-$fw.err"
  # A first PTX JIT can take minutes: a longer deadline than the other commands.
  timeout 300 "$ongpu" verify --framework "$fw" --python "$(command -v python3)" --timeout 240 --json \
    > "$out/verify-$fw.json" 2> "$out/verify-$fw.json.err"; echo $? > "$out/verify-$fw.json.rc"
  timeout 300 env CUDA_VISIBLE_DEVICES= "$ongpu" verify --framework "$fw" --python "$(command -v python3)" \
    --timeout 240 --json > "$out/verify-$fw-hidden.json" 2> "$out/verify-$fw-hidden.json.err"
  echo $? > "$out/verify-$fw-hidden.json.rc"
  "$ongpu" verify --framework "$fw" --python "$(command -v python3)" --timeout 240 > "$out/verify-$fw.txt" 2>&1
  cat "$out/verify-$fw.txt"
done

echo
echo "== 4. start-up time"
python3 - "$ongpu" "$out/timing.json" <<'PY'
import json, shutil, statistics, subprocess, sys, time
ongpu, dest = sys.argv[1], sys.argv[2]
py = shutil.which("python3")
cmds = {"ongpu doctor --json": [ongpu, "doctor", "--json"], "python3 -c pass": [py, "-c", "pass"]}
times = {k: [] for k in cmds}
def once(argv):
    t0 = time.perf_counter()
    subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)
    return (time.perf_counter() - t0) * 1e3
for _ in range(2):
    for argv in cmds.values():
        once(argv)
for _ in range(10):
    for k, argv in cmds.items():
        times[k].append(once(argv))
med = {k: statistics.median(v) for k, v in times.items()}
json.dump({"runs_ms": times, "median_ms": med, "python3": py}, open(dest, "w"), indent=1)
for k, v in med.items():
    print(f"  {k}: median {v:.1f} ms")
PY

echo
echo "== 5. ongpu run on a PyTorch training loop"
if [ "$have_torch" = 1 ]; then
  # At least 300 steps and about 25 s, on the GPU when torch sees one (as
  # training scripts do), else on the CPU; says what it did on stdout.
  cat > "$out/train_mlp.py" <<'TRAIN'
import json, sys, time
import torch
seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 25
dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(1024, 2048), torch.nn.ReLU(), torch.nn.Linear(2048, 2048),
                            torch.nn.ReLU(), torch.nn.Linear(2048, 10)).to(dev)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
loss_fn = torch.nn.CrossEntropyLoss()
x = torch.randn(2048, 1024, device=dev)
y = torch.randint(0, 10, (2048,), device=dev)
t0 = time.time()
steps = 0
while steps < 300 or time.time() - t0 < seconds:
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    steps += 1
    if steps % 100 == 0:
        loss.item()  # waits for the GPU: the time check then means what it says
said = {"device": str(dev), "steps": steps, "seconds": time.time() - t0, "loss": loss.item()}
if dev.type == "cuda":
    said["uuid"] = str(torch.cuda.get_device_properties(0).uuid)
    said["max_memory_reserved"] = torch.cuda.max_memory_reserved()
print(json.dumps(said), flush=True)
TRAIN
  # The interpreter itself, not a wrapper such as a pyenv shim, which ongpu
  # may record as the wrapper (docs/run.md, "Limits").
  train_py=$($t python3 -c 'import sys; print(sys.executable)')
  timeout 180 "$ongpu" run -v --require-gpu --report "$out/run-torch.json" --timeline "$out/run-torch.svg" \
    -- "$train_py" "$out/train_mlp.py" 25 > "$out/run-torch.out" 2> "$out/run-torch.err"
  echo $? > "$out/run-torch.rc"
  tail -n 20 "$out/run-torch.err"
  timeout 120 env CUDA_VISIBLE_DEVICES= "$ongpu" run --require-gpu=early --grace 20 \
    --report "$out/run-torch-cpu.json" -- "$train_py" "$out/train_mlp.py" 25 \
    > "$out/run-torch-cpu.out" 2> "$out/run-torch-cpu.err"
  echo $? > "$out/run-torch-cpu.rc"
  tail -n 20 "$out/run-torch-cpu.err"
else
  echo "  (no PyTorch for python3: skipped)"
fi

python3 - "$out" "$have_torch" "${GPU_CHECK_ALLOW_NO_PCI:-0}" <<'PY'
import csv, json, os, re, sys

out, have_torch, allow_no_pci = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1"
rows = []  # (check, expected, got, status)
details = []  # (check, expected list, got list): printed whole when the check failed


def add(check, expected, got, ok=None, status=None):
    rows.append((check, str(expected), str(got), status or ("PASS" if ok else "FAIL")))


def read(name):
    try:
        with open(os.path.join(out, name), errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def rc(name):
    text = read(name + ".rc").strip()
    return int(text) if text.lstrip("-").isdigit() else None


def load_json(name):
    try:
        return json.loads(read(name))
    except ValueError:
        return None


def bus_id(text):
    """A PCI bus id by value: (domain, bus, device, function), or the text itself."""
    m = re.fullmatch(r"(?:([0-9a-fA-F]+):)?([0-9a-fA-F]+):([0-9a-fA-F]+)\.([0-9a-fA-F]+)", (text or "").strip())
    return tuple(int(g or "0", 16) for g in m.groups()) if m else text


def ids(uuids):
    """A UUID list for the table: whole when there is one, else GPU-xxxxxxxx of
    each (a failed check prints its lists whole below the table)."""
    uuids = list(uuids)
    return "[" + ", ".join(str(u) if len(uuids) == 1 else str(u)[:12] for u in uuids) + "]"


def short(value, limit=70):
    s = str(value)
    return s if len(s) <= limit else s[:limit - 3] + "..."


# ---- 1. doctor against nvidia-smi
smi = []
if rc("nvidia-smi-query.csv") == 0:
    for rec in csv.reader(read("nvidia-smi-query.csv").splitlines(), skipinitialspace=True):
        if len(rec) >= 7:
            smi.append(dict(zip(("index", "driver_version", "name", "uuid", "memory_total",
                                 "compute_cap", "pci_bus_id"), (x.strip() for x in rec))))
add("nvidia-smi --query-gpu runs", "exit 0 and a row per GPU",
    f"exit {rc('nvidia-smi-query.csv')}, {len(smi)} rows", rc("nvidia-smi-query.csv") == 0 and smi)
add("nvidia-smi -q runs", "exit 0", f"exit {rc('nvidia-smi-q.txt')}", rc("nvidia-smi-q.txt") == 0)

doc = load_json("doctor.json")
doctor_rc = rc("doctor.json")
if doc is None:
    add("doctor --json", "a JSON document", f"exit {doctor_rc}, {short(read('doctor.json.err').strip())}", False)
    doc = {}
facts = doc.get("facts", {})
nvml = facts.get("nvml", {})
cuda = facts.get("cuda", {})
verdict = doc.get("verdict", {})
usable = doctor_rc in (0, 1)
if allow_no_pci and not usable:
    add("doctor verdict usable", "exit 0 or 1", f"exit {doctor_rc}: {verdict.get('summary')}",
        status="SKIP")
else:
    add("doctor verdict usable", "exit 0 or 1", f"exit {doctor_rc}: {verdict.get('summary')}", usable)
add("doctor exit = verdict.exit_code", doctor_rc, verdict.get("exit_code"),
    doctor_rc is not None and verdict.get("exit_code") == doctor_rc)

drivers = sorted({g["driver_version"] for g in smi})
add("driver version", ",".join(drivers) or "(nvidia-smi gave none)", nvml.get("driver_version"),
    len(drivers) == 1 and nvml.get("driver_version") == drivers[0])

m = re.search(r"^\s*CUDA Version\s*:\s*(\S+)", read("nvidia-smi-q.txt"), re.M)
cuda_ver = cuda.get("driver_version")
got_cuda = f"{cuda_ver // 1000}.{cuda_ver % 1000 // 10}" if isinstance(cuda_ver, int) else cuda_ver
if m:
    add("CUDA driver version (cuDriverGetVersion)", m.group(1), got_cuda, got_cuda == m.group(1))
else:
    add("CUDA driver version (cuDriverGetVersion)", "(no 'CUDA Version' in nvidia-smi -q)", got_cuda,
        status="SKIP")

gpus = {g.get("index"): g for g in nvml.get("gpus", [])}
add("GPU count (NVML)", len(smi), nvml.get("device_count"), nvml.get("device_count") == len(smi))
for s in smi:
    i = int(s["index"])
    g = gpus.get(i)
    if g is None:
        add(f"GPU {i} present", s["uuid"], "(not in the doctor's facts.nvml.gpus)", False)
        continue
    add(f"GPU {i} name", s["name"], g.get("name"), g.get("name") == s["name"])
    add(f"GPU {i} uuid", s["uuid"], g.get("uuid"), g.get("uuid") == s["uuid"])
    mem = g.get("memory_total_bytes")
    got_mib = mem / 2**20 if isinstance(mem, int) else None
    got_text = (f"{got_mib:g}" if got_mib is not None else "null") + f" ({mem} B / 2^20)"
    add(f"GPU {i} memory MiB", s["memory_total"], got_text,
        got_mib is not None and s["memory_total"].isdigit() and got_mib == int(s["memory_total"]))
    add(f"GPU {i} compute capability", s["compute_cap"], g.get("compute_capability"),
        g.get("compute_capability") == s["compute_cap"])
    add(f"GPU {i} PCI bus id", s["pci_bus_id"], g.get("pci_bus_id"),
        bus_id(g.get("pci_bus_id")) == bus_id(s["pci_bus_id"]))

# CUDA's own view (the cuda probe, all GPUs visible): every physical GPU once,
# with nvidia-smi's name, compute capability and bus id. MIG devices are left out.
by_uuid = {s["uuid"]: s for s in smi}
cdevs = [d for d in cuda.get("devices", []) if str(d.get("uuid", "")).startswith("GPU-")]
add("CUDA device UUIDs = nvidia-smi UUIDs", len(smi), f"{len(cdevs)} CUDA devices",
    sorted(d.get("uuid") for d in cdevs) == sorted(by_uuid))
for d in cdevs:
    s = by_uuid.get(d.get("uuid"))
    want = (s["name"], s["compute_cap"], bus_id(s["pci_bus_id"])) if s else None
    got = (d.get("name"), d.get("compute_capability"), bus_id(d.get("pci_bus_id")))
    add(f"CUDA device {d.get('ordinal')} name/cc/bus",
        f"{s['name']}, {s['compute_cap']}, {s['pci_bus_id']} (GPU {s['index']})" if s else "(uuid unknown)",
        f"{d.get('name')}, {d.get('compute_capability')}, {d.get('pci_bus_id')}", want == got)


# ---- 2. ongpu visible
def norm(uuid):
    u = str(uuid).strip().lower()
    return u[4:] if u.startswith(("gpu-", "mig-")) else u


for line in read("visible-cases.tsv").splitlines():
    name, shown, order = line.split("\t")
    check = f"visible CVD={shown} order={order}"
    v = load_json(f"visible-{name}.json")
    if v is None or rc(f"visible-{name}.json") not in (0, 1, 2):
        add(check, "a JSON document", f"exit {rc(f'visible-{name}.json')}: "
            f"{short(read(f'visible-{name}.json.err').strip())}", False)
        continue
    predicted = [x.get("uuid") for x in v.get("visible", [])]
    driver = v.get("cuda_driver_devices")
    if driver is None:
        add(check, f"{ids(predicted)} (libcuda's list)", "cuda_driver_devices null: the CUDA probe failed", False)
        continue
    enumerated = [x.get("uuid") for x in driver]
    source = v.get("order_source")
    add(check, f"libcuda: {ids(enumerated)}",
        f"predicted: {ids(predicted)}" + ("" if source == "cuda" else f" (order from {source}, not CUDA)"),
        predicted == enumerated and source == "cuda")
    details.append((check, enumerated, predicted))
    if have_torch:
        lines = read(f"torch-{name}.json").strip().splitlines()
        try:  # the last line: anything torch itself printed comes before it
            t = json.loads(lines[-1]) if lines else None
        except ValueError:
            t = None
        if not isinstance(t, list):
            add(f"{check} torch", ids(predicted), f"exit {rc(f'torch-{name}.json')}: "
                f"{short(read(f'torch-{name}.json.err').strip().splitlines()[-1:] or '')}", False)
            continue
        add(f"{check} torch", f"predicted: {ids(predicted)}", f"torch: {ids('GPU-' + norm(x) for x in t)}",
            [norm(x) for x in t] == [norm(x) for x in predicted])
        details.append((f"{check} torch", predicted, t))

# ---- 3. ongpu verify
for line in read("verify-cases.tsv").splitlines():
    fw, state = line.split("\t")
    if state == "missing":
        add(f"verify {fw}", "python3 imports it", "not importable", status="SKIP")
        continue
    # Ground truth: the framework's own registration on the real GPU against
    # the doctor's static verdict for the same interpreter.
    obs_text = read(f"observe-{fw}.txt")
    obs = json.loads(obs_text.split("@@ONGPU-OBSERVATION@@")[-1]) if "@@ONGPU-OBSERVATION@@" in obs_text else {}
    doc = load_json("doctor.json") or {}
    pred = [x for x in doc.get("frameworks", []) if x.get("framework") == fw and "python3" in x.get("interpreter", "")]
    if not obs or not pred:
        add(f"ground truth {fw}", "observed and predicted", f"observed {bool(obs)}, predicted {bool(pred)}", status="SKIP")
    else:
        reg = obs.get("registered")
        if reg is None and fw in ("torch", "cupy"):
            reg = any("=True" in d or (d.startswith("getDeviceCount=") and not d.endswith("=0")) for d in obs.get("devices", []))
        if reg is None and fw == "onnxruntime":
            reg = "CUDAExecutionProvider" in obs.get("devices", [])
        add(f"ground truth {fw}: doctor's verdict = the framework's", f"{pred[0].get('device')} (doctor)",
            f"registered={reg} {short(obs.get('error', ''))}", (pred[0].get("device") == "gpu") == bool(reg))
    v = load_json(f"verify-{fw}.json")
    entry = (v or {}).get("frameworks", [{}])[0] if (v or {}).get("frameworks") else {}
    answer = (entry.get("live") or {}).get("answer") or {}
    compute = answer.get("compute") or {}
    gpu = compute.get("gpu") or {}
    add(f"verify {fw}: computed on the GPU", "device gpu, exit 0 or 1",
        f"{entry.get('device')}, exit {rc(f'verify-{fw}.json')}: {short(entry.get('summary'))}",
        entry.get("device") == "gpu" and rc(f"verify-{fw}.json") in (0, 1))
    add(f"verify {fw}: result matches the CPU", "match true",
        f"match {compute.get('match')}, max diff {compute.get('max_abs_diff')}", compute.get("match") is True)
    speedup = compute.get("speedup")
    add(f"verify {fw}: speed-up", "> 1 (reported)",
        f"{speedup:.1f}x at {compute.get('size')} ({gpu.get('median_ms')} ms GPU)" if speedup else "none",
        bool(speedup and speedup > 1))
    add(f"verify {fw}: result placed on", "a GPU device", gpu.get("device"),
        any(k in str(gpu.get("device")).lower() for k in ("cuda", "gpu")))
    libs = answer.get("loaded_libraries") or []
    add(f"verify {fw}: CUDA libraries loaded", "libcuda and a CUDA library",
        short(", ".join(x.rsplit("/", 1)[-1] for x in libs)),
        any("libcuda.so" in x for x in libs) and len(libs) >= 2)
    h = load_json(f"verify-{fw}-hidden.json") or {}
    he = h.get("frameworks", [{}])[0] if h.get("frameworks") else {}
    named = [f["id"] for f in h.get("machine_findings", []) if f["id"] == "env.cvd_hides_all"]
    add(f"verify {fw} CUDA_VISIBLE_DEVICES=\"\"", "cpu, env.cvd_hides_all found",
        f"{he.get('device')}, root cause {he.get('root_cause')}{', env.cvd_hides_all found' if named else ''}",
        he.get("device") == "cpu" and bool(named))

# ---- 5. ongpu run
if not have_torch:
    add("run: PyTorch training loop", "python3 imports torch", "not importable", status="SKIP")
else:
    def last_json(name):
        for line in reversed(read(name).strip().splitlines()):
            try:
                return json.loads(line)
            except ValueError:
                continue
        return None

    r = load_json("run-torch.json") or {}
    said = last_json("run-torch.out") or {}
    add("run: training loop on the GPU, --require-gpu", "exit 0, used_gpu true",
        f"exit {rc('run-torch')}, used_gpu {r.get('used_gpu')}: {short(r.get('summary'))}",
        rc("run-torch") == 0 and r.get("used_gpu") is True)
    add("run: the loop's own output passed through", "device cuda, >= 300 steps",
        f"{said.get('device')}, {said.get('steps')} steps in {said.get('seconds', 0):.1f} s",
        str(said.get("device", "")).startswith("cuda") and (said.get("steps") or 0) >= 300)
    used = r.get("gpus") or [{}]
    g = used[0]
    add("run: the GPU used = the one torch names", f"uuid {said.get('uuid')}", f"uuid {g.get('uuid')}",
        len(used) == 1 and said.get("uuid") is not None and norm(g.get("uuid")) == norm(said.get("uuid")))
    add("run: its CUDA ordinal", "0 (cuda:0), or null when ongpu cannot tell",
        g.get("cuda_ordinal"), g.get("cuda_ordinal") in (0, None))
    reserved = said.get("max_memory_reserved")
    add("run: NVML peak memory >= torch's reserved", f">= {reserved} B (torch)",
        f"{g.get('peak_memory_bytes')} B (NVML, context included)",
        isinstance(reserved, int) and (g.get("peak_memory_bytes") or 0) >= reserved)
    procs = [p for p in r.get("processes", []) if p.get("gpus")]
    libs = [l.get("path", "") for p in procs for l in p.get("libraries", [])]
    add("run: the training process mapped libcuda and cuBLAS", "libcuda.so, libcublas",
        short(", ".join(x.rsplit("/", 1)[-1] for x in libs)),
        any("libcuda.so" in x for x in libs) and any("libcublas" in x for x in libs))
    differ = [l for p in r.get("processes", []) for l in p.get("libraries", [])
              if l.get("predicted_path") and not l.get("same_as_predicted")]
    predicted = [l for p in r.get("processes", []) for l in p.get("libraries", []) if l.get("predicted_path")]
    add("run: mapped libraries = the doctor's prediction", "some predicted, none differs",
        f"{len(differ)} of {len(predicted)} predicted differ" +
        (f": {short(differ[0]['path'])} vs {short(differ[0]['predicted_path'])}" if differ else ""),
        bool(predicted) and not differ)
    add("run: NVML samples", ">= 10 over about 25 s", f"{r.get('samples')} in {r.get('wall_s', 0):.1f} s",
        (r.get("samples") or 0) >= 10)
    svg_ok, svg_got = False, "missing"
    try:
        import xml.etree.ElementTree as ET
        root = ET.parse(os.path.join(out, "run-torch.svg")).getroot()
        svg_ok, svg_got = root.tag.endswith("svg"), f"<{root.tag.rsplit('}', 1)[-1]}>, valid XML"
    except (OSError, ET.ParseError) as e:
        svg_got = short(str(e))
    add("run: --timeline SVG", "valid XML, an <svg> root", svg_got, svg_ok)

    c = load_json("run-torch-cpu.json") or {}
    csaid = last_json("run-torch-cpu.out") or {}
    stop = c.get("stopped_early") or {}
    how = ""
    if c.get("end") == "stopped_early":
        how = " by a fallback line" if "message" in stop else " by the grace period"
    add("run: the loop forced onto the CPU, =early --grace 20", "exit 99, stopped_early",
        f"exit {rc('run-torch-cpu')}, {c.get('end')}{how} after {c.get('wall_s', 0):.1f} s",
        rc("run-torch-cpu") == 99 and c.get("end") == "stopped_early" and c.get("used_gpu") is False)
    add("run: stopped within the grace period and the kill", "wall_s between 19 and 35 s (or a fallback line)",
        f"{c.get('wall_s', 0):.1f} s, the loop printed {'nothing' if not csaid else csaid.get('device')}",
        "message" in stop or 19 <= (c.get("wall_s") or 0) <= 35)
    cause = (c.get("root_cause") or {}).get("id")
    add("run: the cause of the CPU run", "env.cvd_hides_all", f"{cause} ({(c.get('root_cause') or {}).get('scope_of_cause')})",
        cause == "env.cvd_hides_all")

# ---- 4. timing (reported only)
timing = load_json("timing.json") or {}
med = timing.get("median_ms", {})
d, p = med.get("ongpu doctor --json"), med.get("python3 -c pass")
if d and p:
    add("start-up: doctor / python3 -c pass (medians)", "<= 0.50 (issue target; not judged)",
        f"{d:.1f} ms / {p:.1f} ms = {d / p:.2f}", status="INFO")

# ---- table
with open(os.path.join(out, "results.tsv"), "w") as f:
    for r in rows:
        f.write("\t".join(r) + "\n")
cols = list(zip(*rows)) if rows else [[], [], [], []]
w = [min(max(len(x) for x in col + (h,)), 56) for col, h in zip(cols, ("check", "expected", "got", "status"))]
print()
print(" | ".join(h.ljust(n) for h, n in zip(("check", "expected", "got", "status"), w)))
print("-+-".join("-" * n for n in w))
for r in rows:
    print(" | ".join(short(x, n).ljust(n) for x, n in zip(r, w)))
failed_checks = {r[0] for r in rows if r[3] == "FAIL"}
for check, expected, got in details:
    if check in failed_checks:
        print(f"\nFAIL {check}:\n  expected {expected}\n  got      {got}")
passed = sum(r[3] == "PASS" for r in rows)
failed = sum(r[3] == "FAIL" for r in rows)
other = len(rows) - passed - failed
print()
if other:
    print(f"({other} not judged: SKIP or INFO)")
print(f"results in {out}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
