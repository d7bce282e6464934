#!/usr/bin/env bash
# Whole-process timings and peak memory of hlcgen, side by side with
# `cue vet` checking the same data against the same CUE schema.
#
#   bash bench/run.sh            # the reference spec, the second edition's
#                                # full spec and a 1,000-node spec
#   BENCH_LARGE_NODES=7000 bash bench/run.sh   # and a large spec too
#
# Environment: BENCH_NODES (default 1000) sizes the generated spec,
# BENCH_WORK (default: a new temporary directory) is where the binaries,
# specs and results go, BENCH_RUNS (default 30) and BENCH_BIG_RUNS (default
# 10) are hyperfine's runs per command. BENCH_LARGE_NODES (default: none)
# adds a spec of that many nodes, timed BENCH_LARGE_RUNS (default 3) times
# per command, to show that time and memory grow linearly: a generated
# spec takes about 555 bytes per node, so 7,500 nodes is about the most
# that fits in the 4 MiB hlcgen reads (load.MaxSpecBytes).
#
# What it measures, per spec (see BENCHMARKS.md):
#   hlcgen validate        load, schema, cross-field rules
#   hlcgen render --check  the same, every generator, and the writer's plan
#                          against an up-to-date output directory (the steady
#                          state: an initial render is done first)
#   hlcgen check           the pre-commit hook: validate, render --check and
#                          fmt --check in one process
#   cue vet                `cue vet -c -d '#Cluster' schema/cluster.cue doc.json`
#                          with doc.json the document hlcgen unifies with
#                          #Cluster (bench/gen -json), and cue at the version
#                          go.mod pins
#
# The specs: the repository's cluster.hcl with its module files; the second
# edition's full example (../shared/examples/cluster-full.hcl, else
# testdata/e2e/full/cluster.hcl), with a stub for every module it names;
# and generated specs (bench/gen), formatted with hlcgen fmt so that
# hlcgen check passes.
#
# It needs Go, hyperfine and GNU time (/usr/bin/time); as root it installs
# the two Debian packages when they are missing. All downloads (apt, the cue
# module) happen before any timing; the timed commands use no network.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

NODES=${BENCH_NODES:-1000}
RUNS=${BENCH_RUNS:-30}
BIG_RUNS=${BENCH_BIG_RUNS:-10}
LARGE_NODES=${BENCH_LARGE_NODES:-}
LARGE_RUNS=${BENCH_LARGE_RUNS:-3}
WORK=${BENCH_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/hlcgen-bench.XXXXXX")}
mkdir -p "$WORK/bin"
WORK=$(cd "$WORK" && pwd)
BIN=$WORK/bin

say() { printf '==> %s\n' "$*" >&2; }

# --- tools -----------------------------------------------------------------
need_pkgs=()
command -v hyperfine >/dev/null || need_pkgs+=(hyperfine)
[ -x /usr/bin/time ] || need_pkgs+=(time)
if [ ${#need_pkgs[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "bench/run.sh needs ${need_pkgs[*]}: apt-get install ${need_pkgs[*]}" >&2
		exit 2
	fi
	say "installing ${need_pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

CUE_VERSION=$(go list -m -f '{{.Version}}' cuelang.org/go)
say "building hlcgen and bench/gen; installing cue $CUE_VERSION"
go build -o "$BIN/hlcgen" ./cmd/hlcgen
go build -o "$BIN/gen" ./bench/gen
GOBIN=$BIN go install "cuelang.org/go/cmd/cue@$CUE_VERSION"

# --- specs -----------------------------------------------------------------
# The reference spec needs the modules it names next to it.
REF=$WORK/reference
FULL=$WORK/full
BIG=$WORK/nodes-$NODES
rm -rf "$REF" "$FULL" "$BIG"
mkdir -p "$REF" "$FULL"
cp cluster.hcl "$REF/"
for d in hardware custom modules; do
	if [ -d "$d" ]; then cp -r "$d" "$REF/"; fi
done
full_spec=$ROOT/../shared/examples/cluster-full.hcl
[ -f "$full_spec" ] || full_spec=$ROOT/testdata/e2e/full/cluster.hcl
cp "$full_spec" "$FULL/cluster.hcl"
grep -o '"[^"]*\.nix"' "$FULL/cluster.hcl" | tr -d '"' | sort -u | while read -r m; do
	mkdir -p "$FULL/$(dirname "$m")"
	echo '{ ... }: { }' >"$FULL/$m"
done
"$BIN/gen" -nodes "$NODES" -out "$BIG"
"$BIN/hlcgen" fmt --file "$BIG/cluster.hcl" >/dev/null
SPECS=(reference full "nodes-$NODES")
if [ -n "$LARGE_NODES" ]; then
	LARGE=$WORK/nodes-$LARGE_NODES
	rm -rf "$LARGE"
	"$BIN/gen" -nodes "$LARGE_NODES" -out "$LARGE"
	"$BIN/hlcgen" fmt --file "$LARGE/cluster.hcl" >/dev/null
	SPECS+=("nodes-$LARGE_NODES")
fi

# nodes SPEC: the number of nodes of a spec (its node blocks).
nodes() { grep -c '^node "' "$WORK/$1/cluster.hcl"; }

for s in "${SPECS[@]}"; do
	dir=$WORK/$s
	"$BIN/gen" -json "$dir/cluster.hcl" >"$WORK/$s.json"
	# Untimed sanity checks: every timed command must succeed, and render
	# --check and check must find the output directory up to date.
	"$BIN/hlcgen" validate --file "$dir/cluster.hcl" >/dev/null 2>&1 || {
		echo "hlcgen validate fails on $s:" >&2
		"$BIN/hlcgen" validate --file "$dir/cluster.hcl" >&2 || true
		exit 1
	}
	"$BIN/hlcgen" render --file "$dir/cluster.hcl" >/dev/null || {
		echo "hlcgen render fails on $s" >&2
		exit 1
	}
	"$BIN/hlcgen" render --check --file "$dir/cluster.hcl" >/dev/null 2>&1 || {
		echo "hlcgen render --check is not clean after a render of $s" >&2
		exit 1
	}
	"$BIN/hlcgen" check --file "$dir/cluster.hcl" >/dev/null 2>&1 || {
		echo "hlcgen check does not pass on $s:" >&2
		"$BIN/hlcgen" check --file "$dir/cluster.hcl" >&2 || true
		exit 1
	}
	"$BIN/cue" vet -c -d '#Cluster' "$ROOT/schema/cluster.cue" "$WORK/$s.json" || {
		echo "cue vet rejects the document of $s" >&2
		exit 1
	}
	nodes "$s" >"$WORK/$s.nodes"
done

# --- timing ----------------------------------------------------------------
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for s in "${SPECS[@]}"; do
	dir=$WORK/$s
	runs=$RUNS
	warmup=3
	case $s in
	reference | full) ;;
	"nodes-$NODES")
		runs=$BIG_RUNS
		warmup=1
		;;
	*)
		runs=$LARGE_RUNS
		warmup=1
		;;
	esac
	say "timing $s ($runs runs per command)"
	hyperfine -N --style basic --warmup "$warmup" --runs "$runs" \
		--export-csv "$WORK/$s.csv" --export-json "$WORK/$s.hyperfine.json" \
		-n validate "'$BIN/hlcgen' validate --file '$dir/cluster.hcl'" \
		-n render-check "'$BIN/hlcgen' render --check --file '$dir/cluster.hcl'" \
		-n check "'$BIN/hlcgen' check --file '$dir/cluster.hcl'" \
		-n cue-vet "'$BIN/cue' vet -c -d '#Cluster' '$ROOT/schema/cluster.cue' '$WORK/$s.json'" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# peak_rss CMD...: the largest maximum resident set size of five runs, in MB.
peak_rss() {
	local max=0 kb
	for _ in 1 2 3 4 5; do
		/usr/bin/time -f %M -o "$WORK/rss" "$@" >/dev/null 2>&1
		kb=$(tail -n1 "$WORK/rss")
		if ((kb > max)); then max=$kb; fi
	done
	awk -v kb="$max" 'BEGIN { printf "%.1f", kb / 1024 }'
}

# --- report ----------------------------------------------------------------
# ms SPEC COMMAND COLUMN: a column of hyperfine's CSV (command, mean,
# stddev, median, user, system, min, max; seconds) in milliseconds; column
# "cpu" is user + system.
ms() {
	awk -F, -v name="$2" -v col="$3" 'NR > 1 && $1 == name {
		printf "%.1f", (col == "cpu" ? $5 + $6 : $col) * 1000
	}' "$WORK/$1.csv"
}

{
	echo "## bench/run.sh, $(date -u +%Y-%m-%d)"
	echo
	echo "- hlcgen $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)'), $(go version | cut -d' ' -f3), cue $CUE_VERSION, hyperfine $(hyperfine --version | cut -d' ' -f2)"
	echo "- machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory"
	echo "- load average before timing: $load_before; after: $load_after"
	echo "- hyperfine: $RUNS runs (reference, full), $BIG_RUNS runs ($NODES nodes)$([ -n "$LARGE_NODES" ] && echo ", $LARGE_RUNS runs ($LARGE_NODES nodes)"), after warm-up; peak RSS: the largest of 5 runs (GNU time %M)"
	echo
	echo "| spec | nodes | command | mean ± σ (ms) | median (ms) | min (ms) | CPU, user+sys (ms) | peak RSS (MB) |"
	echo "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
	for s in "${SPECS[@]}"; do
		dir=$WORK/$s
		for c in validate render-check check cue-vet; do
			case $c in
			validate) rss=$(peak_rss "$BIN/hlcgen" validate --file "$dir/cluster.hcl") ;;
			render-check) rss=$(peak_rss "$BIN/hlcgen" render --check --file "$dir/cluster.hcl") ;;
			check) rss=$(peak_rss "$BIN/hlcgen" check --file "$dir/cluster.hcl") ;;
			cue-vet) rss=$(peak_rss "$BIN/cue" vet -c -d '#Cluster' "$ROOT/schema/cluster.cue" "$WORK/$s.json") ;;
			esac
			printf '| %s | %s | %s | %s ± %s | %s | %s | %s | %s |\n' "$s" "$(cat "$WORK/$s.nodes")" "$c" \
				"$(ms "$s" "$c" 2)" "$(ms "$s" "$c" 3)" "$(ms "$s" "$c" 4)" "$(ms "$s" "$c" 7)" "$(ms "$s" "$c" cpu)" "$rss"
		done
	done
	echo
	echo "hlcgen validate / cue vet (same document, same schema):"
	echo
	for s in "${SPECS[@]}"; do
		awk -F, -v s="$s" 'NR > 1 { med[$1] = $4; lo[$1] = $7; cpu[$1] = $5 + $6 }
			END { printf "- %s: %.2f by median (%.1f / %.1f ms), %.2f by min, %.2f by CPU time\n", s,
				med["validate"] / med["cue-vet"], med["validate"] * 1000, med["cue-vet"] * 1000,
				lo["validate"] / lo["cue-vet"], cpu["validate"] / cpu["cue-vet"] }' "$WORK/$s.csv"
	done
	echo
	echo "Per node (median / nodes, ms):"
	echo
	for s in "${SPECS[@]}"; do
		awk -F, -v s="$s" -v n="$(cat "$WORK/$s.nodes")" 'NR > 1 { med[$1] = $4 }
			END { printf "- %s (%d nodes): validate %.2f, render --check %.2f, check %.2f, cue vet %.2f\n", s, n,
				med["validate"] * 1000 / n, med["render-check"] * 1000 / n, med["check"] * 1000 / n, med["cue-vet"] * 1000 / n }' "$WORK/$s.csv"
	done
} | tee "$WORK/summary.md"
say "results in $WORK (summary.md, *.csv, *.hyperfine.json)"
