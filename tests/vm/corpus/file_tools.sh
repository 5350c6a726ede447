#!/bin/sh
# File work in TMPDIR with the shell's utilities: mkdir, cp, mv, ln, chmod, touch, find, xargs,
# tar, gzip, sha256sum, stat, readlink, diff and rm. Few processes: each start of a program not
# yet in the emulated VM's page cache costs a noticeable part of a second.
set -eu

here=$PWD
cd "$TMPDIR"
mkdir -p project/src/lib project/docs project/build
cp "$here/orders.csv" project/
printf 'int main(void) { return 0; }\n' >project/src/main.c
printf 'void helper(void) {}\n' >project/src/lib/helper.c
printf '# Notes\n\nnothing yet\n' >project/docs/notes.md
cp -R project/src project/build/src.tmp
mv project/build/src.tmp project/build/src-copy
ln -s ../orders.csv project/docs/orders-link.csv
ln project/orders.csv project/orders-hardlink.csv
chmod 640 project/docs/notes.md
find project -exec touch -h -d '2024-01-02 03:04:05 UTC' {} +

echo "tree:"
find project | sort
echo "lines in C files: $(find project/src -name '*.c' -print0 | xargs -0 cat | wc -l)"
echo "link target: $(readlink project/docs/orders-link.csv)"
stat -c '%n %a %s %h %U:%G %Y %F' project/docs/notes.md project/orders.csv

tar --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner -cf project.tar project
gzip -n -9 -k project.tar
sha256sum project.tar project.tar.gz project/orders.csv | cut -c1-16
mkdir restore
tar -xzf project.tar.gz -C restore
diff -r project restore/project && echo "restored tree identical"
rm -r project/build restore
echo "after rm: $(find . -type d | sort | tr '\n' ' ')"
