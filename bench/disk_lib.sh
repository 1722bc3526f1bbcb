# Shared by the benchmarks that state the machine's own write limits beside their figures:
# fio_write_mb_per_s DIR NAME SIZE [fio args...] writes SIZE sequentially to a new file in DIR with
# fio (psync, one job), prints its bandwidth in MiB/s and removes the file. The fio args choose the
# durability: --fdatasync=1 (each write fsynced) or --end_fsync=0 (the page cache only).
fio_write_mb_per_s() {  # dir, name, size, extra fio args...
  local dir=$1 name=$2 size=$3; shift 3
  fio --name="fio-$name" --directory="$dir" --rw=write --ioengine=psync --size="$size" --numjobs=1 \
      --output-format=json "$@" | /usr/bin/python3 -c \
      'import json,sys; print("%.1f" % (json.load(sys.stdin)["jobs"][0]["write"]["bw_bytes"] / 1048576))'
  rm -f "$dir"/fio-"$name"*
}
