#!/bin/sh
# What a training budget buys: trains on an MVTec-layout dataset for each
# step count, precision and seed given, evaluates every model on the test
# images, and appends a line per model to OUTDIR/study.tsv (rerunning skips
# the models already there, so a study can be stopped and continued).
#
# Step counts rather than minutes, so that the machine's load does not change
# what is measured: `efficientad bench` on a quiet machine gives the steps per
# minute (train_steps_per_min, _bf16) that turn a count into minutes there.
#
#   tools/budget-study.sh ../shared/datasets/mvtec_ad/bottle /tmp/study \
#     "fp32:170,340,680,1360 bf16:440,880,1760" "1 2"
set -eu

if [ $# -ne 4 ]; then
  echo "usage: $0 DATASET OUTDIR 'PRECISION:STEPS,... ...' 'SEED ...'" >&2
  exit 2
fi
dataset=$1 out=$2 grid=$3 seeds=$4
efficientad=${EFFICIENTAD:-$(dirname "$0")/../build/app/efficientad}
mkdir -p "$out"
table=$out/study.tsv
[ -f "$table" ] || printf 'precision\tsteps\tseed\ttrain_s\timage_auroc\tpixel_auroc\taupro\n' >"$table"

# The named metric of an `efficientad eval --json` file (its overall ones
# come first, before the per-type objects).
metric () {
  sed -n "s/^  \"$1\" : \\([-0-9.e]*\\),\$/\\1/p" "$2" | head -n 1
}

for cell in $grid; do
  precision=${cell%%:*}
  for steps in $(echo "${cell#*:}" | tr ',' ' '); do
    for seed in $seeds; do
      name=$precision-$steps-$seed
      if grep -q "^$precision	$steps	$seed	" "$table"; then
        continue
      fi
      begun=$(date +%s)
      "$efficientad" train "$dataset" -o "$out/$name.safetensors" --steps "$steps" \
        --seed "$seed" --precision "$precision" --checkpoint-every 0 2>"$out/$name.log"
      trained=$(( $(date +%s) - begun ))
      "$efficientad" eval "$out/$name.safetensors" "$dataset" --json "$out/$name.json" \
        2>>"$out/$name.log"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$precision" "$steps" "$seed" "$trained" \
        "$(metric image_auroc "$out/$name.json")" "$(metric pixel_auroc "$out/$name.json")" \
        "$(metric aupro "$out/$name.json")" >>"$table"
      tail -n 1 "$table"
    done
  done
done
