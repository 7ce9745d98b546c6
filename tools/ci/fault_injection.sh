#!/usr/bin/env bash
# Fault injection over geomap's output commits (issue 12): every rename failing in turn (EIO),
# a kill -9 at every rename (then the next geomap run in the folder recovers), and writes
# failing with ENOSPC, over tile predict, basin predict, zonal (.csv and .nc) and convert on
# the samples. After each run the folder must hold the complete old set or the complete new
# set (never a mix, never nothing), no crash (exit 139/134), and no temporary left behind.
#
# Usage: tools/ci/fault_injection.sh [GEOMAP_BINARY]   (needs strace; run from anywhere)
# FAULT_SCENARIOS="tile basin …" runs some scenarios only; FAULT_WORK sets the scratch folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
geomap=${1:-"$(swift build --show-bin-path)/geomap"}
command -v strace >/dev/null || { echo "fault_injection: strace is missing" >&2; exit 2; }
work=${FAULT_WORK:-.build/ci/faults}
# The bundled demo models, also for a binary copied out of the build folder.
export GEOMAP_MODELS_PATH="$PWD/models${GEOMAP_MODELS_PATH:+:$GEOMAP_MODELS_PATH}"
rm -rf "$work" && mkdir -p "$work"
failures=0
runs=0
crop="$work/crop.tif"
gdal_translate -q -srcwin 160 100 80 80 samples/region.tif "$crop"

# Each scenario: a name, the set's files, and the command (OUT stands for the output folder).
scenario_files() {
    case $1 in
    tile) echo crop.classes.tif crop.classes.tif.aux.xml crop.classes.qml \
        crop.probabilities.tif crop.probabilities.qml crop.embeddings.tif crop.embeddings.qml ;;
    basin) echo basins.nc basins.gpkg ;;
    zonal-csv) echo z.csv ;;
    zonal-nc) echo z.nc ;;
    convert) echo c.tif c.tif.aux.xml c.qml ;;
    esac
}
# $1 scenario, $2 folder, $3 "old" or "new" (the new run differs from the old one).
scenario_run() {
    local out=$2 variant=$3
    case $1 in
    tile)
        local stride=40; [ "$variant" = new ] && stride=20
        "$geomap" predict --in "$crop" --stride "$stride" --embeddings mean --out "$out" --quiet ;;
    basin)
        local end=2016-06-20; [ "$variant" = new ] && end=2016-06-30
        "$geomap" predict --basins samples/basins.shp --forcings samples/forcings.nc \
            --static-raster samples/static/*.tif --start 2016-06-01 --end "$end" --out "$out" \
            --quiet ;;
    zonal-csv | zonal-nc)
        local ext=csv; [ "$1" = zonal-nc ] && ext=nc
        local stat=mean; [ "$variant" = new ] && stat=max
        "$geomap" zonal --basins samples/basins.shp --forcings samples/forcings.nc --var pr \
            --stat "$stat" --to 2016-12-31 --out "$out/z.$ext" --no-weights-cache --quiet ;;
    convert)
        local compress=deflate; [ "$variant" = new ] && compress=zstd
        "$geomap" convert samples/region.labels.tif "$out/c.tif" --compress "$compress" \
            --quiet ;;
    esac
}

fail() {
    echo "FAIL $*" >&2
    failures=$((failures + 1))
}

# Checks $2 (a folder made from $3, the pristine old set) after a faulted run: old or new.
check_set() {
    local name=$1 out=$2 old=$3 label=$4
    local state="" file kind
    for file in $(scenario_files "$name"); do
        if [ ! -f "$out/$file" ]; then
            kind=missing
        elif cmp -s "$out/$file" "$old/$file" \
            && [ "$(stat -c %i "$out/$file")" = "$(cat "$old/$file.inode")" ]; then
            kind=old
        else
            kind=new
        fi
        case $state in "") state=$kind ;; "$kind") ;; *) state=mix ;; esac
    done
    if [ "$state" = new ]; then
        # A new set must be complete and readable.
        for file in $(scenario_files "$name"); do
            case $file in
            *.tif) gdalinfo "$out/$file" >/dev/null 2>&1 || state="unreadable $file" ;;
            *.nc) ncdump -h "$out/$file" >/dev/null 2>&1 || state="unreadable $file" ;;
            *.gpkg) ogrinfo -so -al "$out/$file" >/dev/null 2>&1 || state="unreadable $file" ;;
            esac
        done
    fi
    case $state in old | new) ;; *) fail "$label: the folder holds $state: $(ls -A "$out")" ;; esac
    if ls -A "$out" | grep -q '^\.geomap-'; then
        fail "$label: temporaries left: $(ls -A "$out" | grep '^\.geomap-' | tr '\n' ' ')"
    fi
}

# A fresh copy of the old set in $2 (hard links would share inodes: copy, then record them).
fresh() {
    local name=$1 out=$2 old=$3 file
    rm -rf "$out" && mkdir -p "$out"
    for file in $(scenario_files "$name"); do
        cp -p "$old/$file" "$out/$file"
        stat -c %i "$out/$file" >"$old/$file.inode"
    done
}

for name in ${FAULT_SCENARIOS:-tile basin zonal-csv zonal-nc convert}; do
    old="$work/$name.old"
    mkdir -p "$old"
    scenario_run "$name" "$old" old
    # How many rename(2) calls the new run makes.
    probe="$work/$name.probe"
    fresh "$name" "$probe" "$old"
    strace -f -qq -e trace=rename -o "$work/$name.trace" \
        bash -c "$(declare -f scenario_run); geomap='$geomap' crop='$crop' scenario_run $name '$probe' new" \
        >/dev/null 2>&1
    renames=$(grep -c 'rename(' "$work/$name.trace" || true)
    echo "fault_injection: $name: $renames renames per run"
    [ "$renames" -gt 0 ] || fail "$name: no rename traced"
    for step in $(seq 1 "$renames"); do
        for mode in eio kill; do
            out="$work/$name.$mode.$step"
            fresh "$name" "$out" "$old"
            case $mode in
            eio) inject="inject=rename:error=EIO:when=$step" ;;
            kill) inject="inject=rename:signal=KILL:when=$step" ;;
            esac
            set +e
            strace -f -qq -o /dev/null -e trace=rename -e "$inject" \
                bash -c "$(declare -f scenario_run); geomap='$geomap' crop='$crop' scenario_run $name '$out' new" \
                >"$out.log" 2>&1
            status=$?
            set -e
            runs=$((runs + 1))
            if [ "$mode" = eio ]; then
                case $status in
                0 | 74) ;;
                *) fail "$name rename $step EIO: exit $status: $(tail -1 "$out.log")" ;;
                esac
                if [ "$status" = 74 ] && [ "$(grep -c 'geomap: error' "$out.log")" != 1 ]; then
                    fail "$name rename $step EIO: not one error line: $(cat "$out.log")"
                fi
            else
                # The next geomap run writing into the folder finishes what the killed one left
                # (also when the killed run's process id names another process by then).
                if ! "$geomap" convert samples/static/elevation.tif "$out/trigger.tif" \
                    >"$out.trigger.log" 2>&1; then
                    fail "$name rename $step kill: the next run failed: $(tail -1 "$out.trigger.log")"
                fi
                rm -f "$out/trigger.tif"
            fi
            check_set "$name" "$out" "$old" "$name rename $step $mode"
            rm -rf "$out"
        done
    done
    # Writes failing with ENOSPC from the Nth write on (HDF5 and GDAL write with pwrite64 and
    # write; the error line itself may be lost when stderr fails too, so only the code and
    # the folder are checked).
    for step in 1 20; do
        for call in pwrite64 write; do
            out="$work/$name.enospc.$call.$step"
            fresh "$name" "$out" "$old"
            set +e
            strace -f -qq -o /dev/null -e trace=$call -e "inject=$call:error=ENOSPC:when=$step+" \
                bash -c "$(declare -f scenario_run); geomap='$geomap' crop='$crop' scenario_run $name '$out' new" \
                >"$out.log" 2>&1
            status=$?
            set -e
            runs=$((runs + 1))
            case $status in
            0 | 2 | 74) ;;
            *) fail "$name $call ENOSPC from $step: exit $status: $(tail -3 "$out.log")" ;;
            esac
            check_set "$name" "$out" "$old" "$name $call ENOSPC from $step"
            rm -rf "$out"
        done
    done
done
echo "fault_injection: $runs faulted runs, $failures failures"
[ "$failures" -eq 0 ]
