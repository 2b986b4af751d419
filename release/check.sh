#!/usr/bin/env bash
# Checks that Solstice can be published and used (docs/PUBLISHING.md):
#  1. builds the release bundle: per library module the jar, sources jar and javadoc jar;
#  2. checks each library module's artifacts: all three present, LICENSE in each, the jar's
#     Automatic-Module-Name, and the POM metadata Maven Central requires;
#  3. installs the artifacts into the local Maven repository, then builds and runs
#     release/first-project, a user's project that imports solstice-bom and runs the README's
#     example (whose lines must be the README's).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "release/check.sh: $*" >&2; exit 1; }

version=$(grep -m1 -o '<version>[^<]*' pom.xml | sed 's/<version>//')
libraries=$(grep -o '<artifactId>solstice-[a-z0-9-]*' solstice-bom/pom.xml | sed 's/<artifactId>//' | grep -v '^solstice-bom$')

echo "== release bundle of $version" >&2
mvn -B -q -Prelease -DskipTests install

for element in name description url licenses developers scm; do
  grep -q "<$element>" pom.xml || fail "the parent POM lacks <$element>, which Maven Central requires"
  grep -q "<$element>" solstice-bom/pom.xml || fail "solstice-bom's POM lacks <$element>"
done

for library in $libraries; do
  [ -d "$library" ] || fail "solstice-bom names $library, which is not a module"
  for suffix in "" -sources -javadoc; do
    jar="$library/target/$library-$version$suffix.jar"
    [ -f "$jar" ] || fail "missing $jar"
    listing=$(unzip -l "$jar")  # not piped into grep -q: with pipefail, unzip's SIGPIPE would fail
    grep -q ' META-INF/LICENSE$' <<<"$listing" || fail "$jar has no META-INF/LICENSE"
  done
  expected="io.solstice.${library#solstice-}"
  name=$(unzip -p "$library/target/$library-$version.jar" META-INF/MANIFEST.MF | tr -d '\r' \
    | sed -n 's/^Automatic-Module-Name: //p')
  [ "$name" = "$expected" ] || fail "$library's jar has Automatic-Module-Name '$name', expected $expected"
  grep -q '<name>' "$library/pom.xml" && grep -q '<description>' "$library/pom.xml" \
    || fail "$library's POM lacks a name or a description"
  echo "$library: jar, sources, javadoc, LICENSE, Automatic-Module-Name $name" >&2
done
for module in $(sed -n 's/.*<module>\(.*\)<\/module>.*/\1/p' pom.xml); do
  case "$module" in solstice-bom|examples|benchmarks|architecture|spark-cluster-test) continue ;; esac
  grep -qx "$module" <<<"$libraries" || fail "library module $module is missing from solstice-bom"
done

echo "== the dependency set of every supported platform" >&2
arrow_version=$(grep -m1 -o '<arrow.version>[^<]*' pom.xml | sed 's/<arrow.version>//')
dataset_jar="$HOME/.m2/repository/org/apache/arrow/arrow-dataset/$arrow_version/arrow-dataset-$arrow_version.jar"
dataset_listing=$(unzip -l "$dataset_jar")
for platform in linux-x86_64 linux-arm64 macosx-arm64 macosx-x86_64 windows-x86_64; do
  # ND4J, OpenBLAS and JavaCPP natives, with everything else the command line needs.
  mvn -B -q -f examples/pom.xml -Dsolstice.platform="$platform" dependency:resolve >/dev/null \
    || fail "the dependencies for $platform do not resolve"
  # arrow-dataset (Parquet, CSV, JSON lines) carries its JNI library for each platform.
  case "$platform" in
    linux-x86_64) library=x86_64/libarrow_dataset_jni.so ;;
    linux-arm64) library=aarch_64/libarrow_dataset_jni.so ;;
    macosx-arm64) library=aarch_64/libarrow_dataset_jni.dylib ;;
    macosx-x86_64) library=x86_64/libarrow_dataset_jni.dylib ;;
    windows-x86_64) library=x86_64/arrow_dataset_jni.dll ;;
  esac
  grep -q " arrow_dataset_jni/$library\$" <<<"$dataset_listing" || fail "arrow-dataset has no $library for $platform"
  echo "$platform: resolves, arrow-dataset has $library" >&2
done

echo "== the README's example in a project of its own" >&2
python3 - <<'PY' || fail "release/first-project's README lines differ from README.md"
import re, textwrap
source = open("release/first-project/src/main/java/example/FirstRun.java").read()
snippet = textwrap.dedent(source.split("// README:start\n")[1].split("    // README:end")[0])
assert snippet.strip() and snippet in open("README.md").read()
PY
(
  cd release/first-project
  mvn -B -q -Dsolstice.version="$version" package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
  OMP_WAIT_POLICY=PASSIVE java --add-opens=java.base/java.nio=ALL-UNNAMED -Xmx1g \
    -cp "target/classes:$(cat target/classpath.txt)" example.FirstRun | tee target/first-run.txt
)
accuracy=$(sed -n 's/^test accuracy //p' release/first-project/target/first-run.txt)
python3 -c "import sys; sys.exit(0 if float('$accuracy') >= 0.95 else 1)" \
  || fail "the first project's test accuracy $accuracy is below 0.95"
echo "release/check.sh: every library module is publishable; the first project trained to $accuracy" >&2
