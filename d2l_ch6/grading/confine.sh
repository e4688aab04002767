#!/bin/sh
# Confine one grading child (d2l_ch6.grading.sandbox runs it as root, under prlimit and
# `unshare --mount --pid --fork --kill-child --mount-proc --net --ipc`).
#
# usage: confine.sh UID JOB SUBMISSION PACKAGE RUNTIME [KEEP...] -- COMMAND...
#   UID         the child's own unprivileged user (and group) id, one per concurrent job
#   JOB         the job's folder (root's only): the new root is built in JOB/root
#   SUBMISSION  the copy of the submitted file, copied into the child's working folder
#   PACKAGE     the d2l_ch6 folder the teacher grades with: the student runtime is seen there
#   RUNTIME     the student runtime (a d2l_ch6 folder with every answer withheld)
#   KEEP        folders the child reads (the interpreter, its libraries), read-only
#   COMMAND     what runs as UID in the new root, in its working folder
#
# The child's file system is a new root holding only the system's /usr, /etc, /bin and /lib
# (read-only), /dev, /proc, /sys, the KEEP folders, the runtime over PACKAGE, and three
# size-limited tmpfs of its own: its working folder and home (/job), /tmp and /dev/shm. No
# submission, no other copy of the package, no teacher's file and no writable place of the
# machine is in it, wherever they are on disk.
set -eu
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

JOB_SIZE=256m    # the working folder, the home and what the child writes there
TMP_SIZE=128m    # /tmp (and /var/tmp, a link to it)
SHM_SIZE=64m     # /dev/shm

uid=$1 job=$2 submission=$3 package=$4 runtime=$5
shift 5
root="$job/root"

read_only() {  # bind the folder or file $1 at $2, read-only
    if [ -d "$1" ]; then
        mkdir -p "$2"
    elif [ ! -e "$2" ]; then
        mkdir -p "$(dirname "$2")"
        : >"$2"
    fi
    mount --bind "$1" "$2"
    mount -o remount,bind,ro,nosuid,nodev "$2"
}

mount -t tmpfs -o mode=755,size=1m tmpfs "$root"
for d in bin sbin lib lib32 lib64 libx32 usr etc; do
    if [ -L "/$d" ]; then
        ln -s "$(readlink "/$d")" "$root/$d"
    elif [ -d "/$d" ]; then
        read_only "/$d" "$root/$d"
    fi
done
# its own /tmp first: a folder bound below (the interpreter, the package) may live under /tmp
mkdir -p "$root/tmp" "$root/var" "$root/job"
mount -t tmpfs -o mode=1777,size=$TMP_SIZE,nr_inodes=100k tmpfs "$root/tmp"
ln -s ../tmp "$root/var/tmp"
while [ "$1" != "--" ]; do
    read_only "$1" "$root$1"
    shift
done
shift
read_only "$runtime" "$root$package"
startup="$(dirname "$runtime")/d2l_ch6_startup.py"
if [ -f "$startup" ]; then
    read_only "$startup" "$root$(dirname "$package")/d2l_ch6_startup.py"
fi
read_only /sys "$root/sys"
mkdir -p "$root/dev" "$root/proc"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=1777,size=$SHM_SIZE,nr_inodes=10k tmpfs "$root/dev/shm"
if [ -d "$root/dev/mqueue" ]; then
    mount -t tmpfs -o mode=755,size=1k tmpfs "$root/dev/mqueue"
fi
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=700,size=$JOB_SIZE,nr_inodes=100k tmpfs "$root/job"
mkdir -p "$root/job/work" "$root/job/home"
cp "$submission" "$root/job/work/"
chown -R "$uid:$uid" "$root/job"
mount -o remount,bind,ro,nosuid "$root"

exec chroot "$root" \
    setpriv --reuid="$uid" --regid="$uid" --clear-groups --inh-caps=-all --bounding-set=-all \
    --no-new-privs -- \
    env -C /job/work PATH=/usr/bin:/bin HOME=/job/home IPYTHONDIR=/job/home/.ipython \
    JUPYTER_RUNTIME_DIR=/job/home/.jupyter MPLCONFIGDIR=/job/home/.mpl TMPDIR=/tmp "$@"
