#!/usr/bin/env bash
# Prepares the GPU check on a CPU machine: builds solstice-cuda (no install), runs the CPU
# reference (MlpClassifier with ND4J), and assembles a directory that runs on a GPU machine
# without a JDK or a network: a jlinked Java runtime, only the jars the device path needs (no
# ND4J backend), the reference figures and run.sh. The directory must stay under 64 MiB.
#
# Usage: solstice-cuda/gpu-check/build.sh [output directory]
#   (default: solstice-cuda/target/gpu-check). Needs Maven, a JDK 17+ as `java`, and a JDK 25
#   jlink (JLINK=/path/to/jlink, or found under /usr/lib/jvm or /opt).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/solstice-cuda/target/gpu-check}
limit_bytes=$((64 * 1024 * 1024))

jlink=${JLINK:-$(find /usr/lib/jvm /opt -maxdepth 4 -type f -name jlink -path '*25*' 2>/dev/null | sort | head -n 1)}
if [[ -z "$jlink" || ! -x "$jlink" ]]; then
  echo "build.sh: no JDK 25 jlink found; set JLINK=/path/to/jdk-25/bin/jlink" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out/lib" "$out/reference"
cd "$repo"

echo "== building solstice-cuda and the modules it needs (tests are run by mvn verify, not here)"
mvn -B -q -pl solstice-cuda -am package -DskipTests \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.outputFile="$work/runtime.cp" -DincludeScope=runtime
mvn -B -q -pl solstice-cuda -am package -DskipTests \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.outputFile="$work/test.cp" -DincludeScope=test

module=$repo/solstice-cuda/target
jvm_flags=(--add-opens=java.base/java.nio=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true
  -Xmx2g -Dorg.bytedeco.javacpp.maxbytes=3G -Dorg.bytedeco.javacpp.maxphysicalbytes=8G)

echo "== CPU reference: MlpClassifier (ND4J) from the CUDA model's initial states"
java "${jvm_flags[@]}" -cp "$module/test-classes:$module/classes:$(cat "$work/test.cp")" \
  io.solstice.cuda.ReferenceRun "$out/reference"

echo "== jars for the device path (no ND4J backend)"
# The device path: Solstice's modules, Arrow's vector and memory stack, Reactor, JavaCPP's CUDA
# presets, and ND4J's updater and schedule configuration classes (the builders take them).
keep='/(solstice-(core|arrow|reactive|cuda)-[^/]*|arrow-(vector|format|memory-core|memory-netty|memory-netty-buffer-patch)-[^/]*|netty-(buffer|common)-[^/]*|flatbuffers-java-[^/]*|jackson-(core|databind|annotations|datatype-jsr310)-[^/]*|commons-codec-[^/]*|reactor-core-[^/]*|reactive-streams-[^/]*|slf4j-api-[^/]*|javacpp-[^/]*)\.jar$'
tr ':' '\n' < "$work/runtime.cp" | grep -E "$keep" | while read -r jar; do cp "$jar" "$out/lib/"; done
cp "$module"/solstice-cuda-*.jar "$out/lib/"

# ND4J's updater and schedule classes only (the builders take them; the updaters' classes are
# loaded when the JVM verifies them), not its 7 MB API jar.
nd4j_api=$(tr ':' '\n' < "$work/runtime.cp" | grep -E '/nd4j-api-[^/]*\.jar$')
mkdir -p "$work/nd4j" && (cd "$work/nd4j" && unzip -q "$nd4j_api" \
  'org/nd4j/linalg/learning/*' 'org/nd4j/linalg/schedule/*' 'org/nd4j/linalg/api/buffer/DataType*' && jar --create --file "$out/lib/nd4j-config-classes.jar" .)

# The CUDA presets: the Java bindings, and of the JNI libraries only cudart, cuBLAS and NVRTC's.
cuda_java=$(tr ':' '\n' < "$work/runtime.cp" | grep -E '/cuda-[0-9.-]+\.jar$')
cuda_native=$(tr ':' '\n' < "$work/runtime.cp" | grep -E '/cuda-[^/]*-linux-x86_64\.jar$')
cp "$cuda_java" "$out/lib/"
native_dir=org/bytedeco/cuda/linux-x86_64
mkdir -p "$work/cuda" && (cd "$work/cuda" && unzip -q "$cuda_native" 'META-INF/*' \
  "$native_dir/libjnicudart.so" "$native_dir/libjnicublas.so" "$native_dir/libjninvrtc.so" \
  && jar --create --file "$out/lib/$(basename "$cuda_native")" .)

# The check itself, from the test classes.
(cd "$module/test-classes" && jar --create --file "$out/lib/solstice-cuda-gpu-check.jar" \
  io/solstice/cuda/GpuCheck*.class io/solstice/cuda/CheckVariant*.class \
  io/solstice/cuda/ReferenceFiles.class io/solstice/cuda/ArrowBatches.class \
  io/solstice/cuda/IpcFileBatches*.class)

echo "== jlinked runtime"
# jdeps names java.desktop (Jackson's optional java.beans support) and jdk.jfr (Reactor's
# optional flight recorder events) too; neither is used on this path, and leaving them out
# keeps the directory under its size limit. run.sh on a CPU machine exercises the class path up
# to opening the device.
modules=java.base,java.logging,java.management,java.sql,jdk.unsupported
echo "modules: $modules"
"$jlink" --add-modules "$modules" --compress=zip-9 --strip-debug --no-header-files --no-man-pages \
  --output "$out/runtime"
strip --strip-unneeded "$out/runtime/lib/server/libjvm.so" 2>/dev/null || true

cp "$here/run.sh" "$out/run.sh"
chmod +x "$out/run.sh"

size=$(du -sb "$out" | cut -f1)
printf '== %s: %.1f MiB (limit 64 MiB)\n' "$out" "$(echo "$size / 1048576" | bc -l)"
if (( size > limit_bytes )); then
  echo "build.sh: the check directory is larger than 64 MiB" >&2
  exit 1
fi
echo "== on the GPU machine: bash run.sh   (report: gpu-check-report.txt, or \$OUT/gpu-check-report.txt)"
