#!/usr/bin/env bash
# Runs the GPU check on a machine with an NVIDIA GPU, its driver (libcuda.so.1) and the CUDA 13
# toolkit (libcudart.so.13, libcublas.so.13, libcublasLt.so.13, libnvrtc.so.13); needs no JDK
# and no network. Prepared by build.sh. Writes gpu-check-report.txt into $OUT (if set) or here.
# Exit status: 0 all checks passed, 1 a check failed, 2 no usable GPU, 124 out of time.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
report_dir=${OUT:-$here}
mkdir -p "$report_dir"

# Finds each CUDA library on the linker's path, else under the usual install places, and
# puts its directory on LD_LIBRARY_PATH (JavaCPP's JNI libraries link to them by name).
dirs=()
library_path=${LD_LIBRARY_PATH:-}
for lib in libcuda.so.1 libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libnvrtc.so.13; do
  found=""
  for dir in ${library_path//:/ } ${CUDA_HOME:+$CUDA_HOME/lib64} /usr/local/cuda/lib64 \
      /usr/local/cuda/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu /usr/lib64; do
    if [[ -e "$dir/$lib" ]]; then found=$dir; break; fi
  done
  if [[ -z "$found" ]] && ldconfig -p 2>/dev/null | grep -q " $lib "; then
    found=$(dirname "$(ldconfig -p | grep " $lib " | head -n 1 | sed 's/.*=> //')")
  fi
  if [[ -z "$found" ]]; then
    found=$(dirname "$(find /usr/local /usr/lib /opt /usr/local/lib/python3* -maxdepth 8 -name "$lib" 2>/dev/null | head -n 1)" 2>/dev/null || true)
    [[ "$found" == "." ]] && found=""
  fi
  echo "run.sh: $lib: ${found:-NOT FOUND}"
  if [[ -n "$found" ]]; then dirs+=("$found"); fi
done
joined=$(printf '%s:' "${dirs[@]+"${dirs[@]}"}")
export LD_LIBRARY_PATH="${joined}${LD_LIBRARY_PATH:-}"

cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
timeout 470 "$here/runtime/bin/java" \
  --add-opens=java.base/java.nio=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true \
  --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx8g -Dorg.bytedeco.javacpp.cachedir="$cache" \
  -cp "$here/lib/*" io.solstice.cuda.GpuCheck "$here/reference" "$report_dir/gpu-check-report.txt"
status=$?
if (( status == 124 )); then echo "run.sh: the check ran out of its 470 s" | tee -a "$report_dir/gpu-check-report.txt"; fi
exit $status
