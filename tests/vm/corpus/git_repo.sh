#!/bin/sh
# git in TMPDIR: init, add, commit, status, diff, branch, merge, tag, log, stash, archive and
# clone. The identity and dates come from the environment and -c, as in a CI job, so the
# commit ids are the same at every run.
set -eu

export GIT_AUTHOR_NAME=Function GIT_AUTHOR_EMAIL=fn@example.com
export GIT_COMMITTER_NAME=Function GIT_COMMITTER_EMAIL=fn@example.com
export GIT_AUTHOR_DATE='2024-01-02T03:04:05Z' GIT_COMMITTER_DATE='2024-01-02T03:04:05Z'
here=$PWD
repo=$TMPDIR/repo
git -c init.defaultBranch=main init -q "$repo"
cd "$repo"

cp "$here/orders.csv" .
printf '# Orders\n' >README.md
git add orders.csv README.md
git commit -q -m "Import the orders"
echo "first commit: $(git rev-parse --short=12 HEAD)"

sed 's/2\.50$/2.60/' "$here/orders.csv" >orders.csv
echo "status: $(git status --porcelain)"
git diff -U0 | grep '^[-+][0-9]'
git commit -q -a -m "Widgets cost 2.60"

git checkout -q -b report
printf 'total: 40 units\n' >report.txt
git add report.txt
# Another author, from -c (the environment's identity would win over it).
GIT_AUTHOR_DATE='2024-01-03T00:00:00Z' GIT_COMMITTER_DATE='2024-01-03T00:00:00Z' \
	env -u GIT_AUTHOR_NAME -u GIT_AUTHOR_EMAIL \
	git -c user.name=Reviewer -c user.email=rev@example.com commit -q -m "Add the report"
git checkout -q main
git merge -q --no-ff -m "Merge report" report
git tag -a v1 -m "First release"

echo "log:"
git log --format='%h %an %ad %s' --date=short --graph

printf 'work in progress\n' >>README.md
git stash -q
echo "stashed, clean: $(git status --porcelain | wc -l)"
git stash pop -q
echo "popped: $(git diff --name-only)"

git archive --format=tar.gz -o "$TMPDIR/release.tar.gz" v1
echo "archive members: $(tar -tzf "$TMPDIR/release.tar.gz" | tr '\n' ' ')"
git clone -q "$repo" "$TMPDIR/checkout"
echo "clone at: $(git -C "$TMPDIR/checkout" describe)"
