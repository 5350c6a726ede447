# SPDX-License-Identifier: GPL-2.0-only
#
# bpfence build. The chain is bpf/*.bpf.c -> .output/*.bpf.o -> .output/*.skel.h -> binaries.
# Every generated file lives in .output/. `make V=1` shows the commands.
#
#   make            build everything (installs missing build packages from Debian first)
#   make test       host tests, then the in-VM enforcement suite and selftest on Debian's 6.12
#                   and 6.1 kernels (tools/matrix through tools/vmtest --kernel; the user-space
#                   files on 6.12 only, see TEST_FIRST_ONLY)
#   make test-matrix  the in-VM suite and selftest on every kernel and flavour of the matrix
#   make demo       a restricted function being denied, inside the VM, with its audit log
#   make install    DESTDIR=... prefix=/usr/local (binaries, policies, docs, man pages, bash
#                   completion, systemd units, logrotate configuration, bpfenced.conf); make
#                   uninstall removes them
#   make deb        the Debian package, built with debhelper from a copy of the tree (.output/deb)
#   make clean

OUTPUT := .output
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
prefix ?= /usr/local
DESTDIR ?=
# The one place the version is written: `bpfence --version`, `bpfenced --version` and the
# Debian package (debian/changelog is checked against it by tests/host/docs.bats) take it here.
VERSION := $(shell cat VERSION)

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SUFFIXES:

ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wno-format-truncation
USER_CFLAGS := -std=gnu11 $(WARNINGS) -MMD -MP -D_GNU_SOURCE -I$(OUTPUT) -Ibpf -Iloader \
	-DBPFENCE_VERSION='"$(VERSION)"'
# libbpf, libelf, zlib and libseccomp are linked in (their Debian -dev packages ship the .a):
# `bpfence run` starts once per invocation, and resolving four more shared libraries at every
# start was a measurable part of B3 (tools/bench). Only libc and libm stay shared.
USER_LDLIBS := -Wl,-Bstatic -lbpf -lelf -lz -lseccomp -Wl,-Bdynamic -lm
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I$(OUTPUT) -Ibpf -MMD -MP

# What each stage needs from Debian; tools/deps installs what is missing (and nothing else).
BUILD_PKGS := clang llvm gcc libc6-dev libbpf-dev bpftool libelf-dev zlib1g-dev libseccomp-dev make \
	pkg-config
# The runtimes and programs of the workload corpus (tests/vm/corpus) come last: nodejs, perl, jq,
# sqlite3, git and procps (free).
TEST_PKGS := bats qemu-system-x86 busybox-static cpio xz-utils kmod iproute2 python3 strace \
	runc crun podman containerd systemd yamllint python3-kubernetes bubblewrap logrotate \
	man-db groff-base nodejs perl jq sqlite3 git procps dnsmasq-base prometheus rsyslog
DEPS_STAMP := $(OUTPUT)/.deps-build

LIB_SRCS := $(wildcard loader/*.c)
LIB_SRCS := $(filter-out loader/bpfenced.c,$(LIB_SRCS))
LIB_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(LIB_SRCS))
CLI_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(wildcard cli/*.c))
# The benchmarks (tools/bench): one file a benchmark, linked into one binary.
BENCH_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(wildcard tools/bench/*.c))
BINS := $(OUTPUT)/bpfence $(OUTPUT)/bpfenced
# The compiled functions of the workload corpus (tests/vm/corpus/*.c, installed under /usr in the
# VM by tests/vm/corpus.bats).
CORPUS_BINS := $(patsubst tests/vm/corpus/%.c,$(OUTPUT)/tests/corpus/%,$(wildcard tests/vm/corpus/*.c))
TEST_BINS := $(OUTPUT)/tests/test_policy $(OUTPUT)/tests/test_dns $(OUTPUT)/tests/test_metrics \
	$(OUTPUT)/tests/test_request $(OUTPUT)/tests/probe \
	$(OUTPUT)/tests/jsonq $(OUTPUT)/bpfence-bench $(OUTPUT)/bpfence-attack $(CORPUS_BINS)

# The kernels every change is proven on (make test), and the whole matrix (make test-matrix):
# Debian's 6.1 and 6.12 series, generic (-amd64) and cloud (-cloud-amd64) flavours. Each is a
# tools/vmtest --kernel spec; the newest package of the series is used.
TEST_KERNELS ?= 6.12 6.1
# make test (CI, 90 minutes) runs the files that exercise user space over the hooks on the first
# kernel only, 6.12: the workload corpus, the container runtimes (runc, crun, podman, containerd
# under emulation), sandboxes, the Debian package and the leak counts (~17 min per kernel); the
# second kernel runs every file about the hooks' own behaviour. make test-matrix runs everything
# on every kernel.
TEST_FIRST_ONLY := --first-only corpus.bats --first-only oci.bats --first-only sandbox.bats \
	--first-only deb.bats --first-only leaks.bats --first-only fleet.bats
MATRIX_KERNELS ?= 6.1 6.1-cloud 6.12 6.12-cloud
BENCH_KERNELS ?= 6.1 6.12

.PHONY: all deps test test-host test-vm test-matrix test-unit demo bench install uninstall deb \
	clean
all: $(BINS) $(TEST_BINS)

deps: $(DEPS_STAMP)
$(DEPS_STAMP):
	$(Q)mkdir -p $(OUTPUT)
	$(Q)tools/deps $(BUILD_PKGS)
	$(Q)touch $@

$(OUTPUT)/vmlinux.h: | $(DEPS_STAMP)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

# One object from bpf/bpfence.bpf.c and the domain headers it includes (bpf/*.bpf.h).
$(OUTPUT)/bpfence.bpf.o: bpf/bpfence.bpf.c $(wildcard bpf/*.bpf.h) bpf/bpfence.h $(OUTPUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(OUTPUT)/bpfence.bpf.d -MT $@ -c $< -o $@.full
	$(Q)llvm-strip -g $@.full -o $@ && rm -f $@.full

$(OUTPUT)/bpfence.skel.h: $(OUTPUT)/bpfence.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bpfence_bpf > $@

$(OUTPUT)/%.o: %.c | $(DEPS_STAMP) $(OUTPUT)/bpfence.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(USER_CFLAGS) -c $< -o $@

# The two files that print the version are rebuilt when it changes.
$(OUTPUT)/cli/main.o $(OUTPUT)/loader/bpfenced.o: VERSION

$(OUTPUT)/libbpfence.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(OUTPUT)/bpfence: $(CLI_OBJS) $(OUTPUT)/libbpfence.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(USER_LDLIBS) -o $@

$(OUTPUT)/bpfenced: $(OUTPUT)/loader/bpfenced.o $(OUTPUT)/libbpfence.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(USER_LDLIBS) -o $@

$(OUTPUT)/bpfence-bench: $(BENCH_OBJS) $(OUTPUT)/libbpfence.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(USER_LDLIBS) -o $@

$(OUTPUT)/tests/test_policy: $(OUTPUT)/tests/unit/test_policy.o $(OUTPUT)/libbpfence.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(USER_LDLIBS) -o $@

$(OUTPUT)/tests/test_dns: $(OUTPUT)/tests/unit/test_dns.o $(OUTPUT)/libbpfence.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(USER_LDLIBS) -o $@

$(OUTPUT)/tests/test_metrics: $(OUTPUT)/tests/unit/test_metrics.o $(OUTPUT)/libbpfence.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(USER_LDLIBS) -o $@

$(OUTPUT)/tests/test_request: $(OUTPUT)/tests/unit/test_request.o $(OUTPUT)/libbpfence.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(USER_LDLIBS) -o $@

# The suites' JSON reader (tests/helpers/jsonq.c): the library's parser, without an interpreter
# start per query.
$(OUTPUT)/tests/jsonq: $(OUTPUT)/tests/helpers/jsonq.o $(OUTPUT)/libbpfence.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(USER_LDLIBS) -o $@

# The probe runs inside restricted invocations: static, so its only file opens are the ones it
# is asked to make.
$(OUTPUT)/tests/probe: tests/helpers/probe.c | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -std=gnu11 $(WARNINGS) -static $< -o $@

# A corpus function is an ordinary program: dynamically linked, so that the ELF interpreter and
# what libc reads on its behalf (NSS, time zones, gconv modules, locale) run under the policy.
$(OUTPUT)/tests/corpus/%: tests/vm/corpus/%.c | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -std=gnu11 $(WARNINGS) -pthread $< -o $@

# The hostile function of `bpfence selftest`: static for the same reason as the probe. Like the
# probe, without $(CPPFLAGS): _FORTIFY_SOURCE's checks would stand in the way of what it attempts
# on purpose (a symlink whose result does not matter, ...).
$(OUTPUT)/bpfence-attack: tests/attack/attack.c | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -std=gnu11 $(WARNINGS) -static $< -o $@

# Not with -j: the host suites check for leftover cgroups and pins. Not beside the in-VM suite
# either: tried, the emulated guest ran each test ~2.2x slower while the host suites ran (it
# uses both cores in bursts), so nothing was saved.
test: test-host test-fuzz test-asan test-vm

test-unit: $(OUTPUT)/tests/test_policy $(OUTPUT)/tests/test_dns $(OUTPUT)/tests/test_metrics \
		$(OUTPUT)/tests/test_request
	$(Q)$(OUTPUT)/tests/test_policy tests/data/policies .
	$(Q)$(OUTPUT)/tests/test_dns
	$(Q)$(OUTPUT)/tests/test_metrics docs/metrics.md
	$(Q)$(OUTPUT)/tests/test_request policies

test-host: all test-unit
	$(Q)tools/deps $(TEST_PKGS)
	$(Q)bats tests/host

# tests/vm/deb.bats unpacks .output/deb/bpfence.deb in the VM: the package is built first (and
# fails the suite when it is missing, rather than skip).
test-vm: all deb
	$(Q)tools/deps $(TEST_PKGS)
	$(Q)tools/matrix $(TEST_FIRST_ONLY) $(TEST_KERNELS)

# The matrix run takes the long counts of the repetition tests (tests/vm: 50 container starts,
# 300 invocations counted for leaks); `make test` runs fewer to fit CI's 90 minutes.
test-matrix: all deb
	$(Q)tools/deps $(TEST_PKGS)
	$(Q)BPFENCE_TEST_LONG=1 tools/matrix $(MATRIX_KERNELS)

demo: all
	$(Q)tools/deps $(TEST_PKGS)
	$(Q)tools/vmtest -- tools/demo

# Benchmarks print ratios measured side by side (BENCHMARKS.md); never part of `make test`.
bench: all
	$(Q)tools/deps $(TEST_PKGS)
	$(Q)tools/bench/series $(BENCH_KERNELS)

# Install paths (GNU names, upper case; each can be set on the command line). The systemd units
# and their helper are templates (tools/systemd/*.in): the install paths are written into them
# here, so a unit never names a prefix it was not installed under. An @NAME@ left over (a typo, a
# new placeholder) fails the install. SYSCONFDIR is /etc for prefix=/usr, as for a distribution
# package (logrotate reads /etc/logrotate.d only, bpfenced /etc/bpfence/bpfenced.conf unless
# given --config).
SBINDIR ?= $(prefix)/sbin
LIBEXECDIR ?= $(prefix)/libexec/bpfence
DATADIR ?= $(prefix)/share/bpfence
DOCDIR ?= $(prefix)/share/doc/bpfence
MANDIR ?= $(prefix)/share/man
UNITDIR ?= $(prefix)/lib/systemd/system
COMPLETIONDIR ?= $(prefix)/share/bash-completion/completions
SYSCONFDIR ?= $(if $(filter /usr,$(prefix)),/etc,$(prefix)/etc)
LOGROTATEDIR ?= $(SYSCONFDIR)/logrotate.d

UNIT_TEMPLATES := $(wildcard tools/systemd/*.service.in tools/systemd/*.socket.in \
	tools/systemd/*.slice.in)
UNITS := $(notdir $(UNIT_TEMPLATES:.in=))
POLICIES := $(wildcard policies/*.policy)
EXAMPLE_POLICIES := $(wildcard policies/examples/*.policy)
MAN5 := $(wildcard docs/man/*.5)
MAN8 := $(wildcard docs/man/*.8)
# Documents, as SOURCE:INSTALLED-NAME in DOCDIR.
DOCS := README.md:README.md docs/audit.md:audit.md docs/metrics.md:metrics.md docs/security.md:security.md \
	docs/socket.md:socket.md policies/README.md:policies.md tools/systemd/README.md:systemd.md
# Runnable examples, in DOCDIR/examples (docs/socket.md links the client).
EXAMPLES := $(wildcard docs/examples/*)
# The administrator's file: installed when there is none, never over one (an edited file is
# theirs, as a conffile is dpkg's to keep), and removed by uninstall only while unchanged.
CONF := tools/config/bpfenced.conf
CONF_DEST = $(DESTDIR)$(SYSCONFDIR)/bpfence/bpfenced.conf
render = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
	-e 's|@DOCDIR@|$(DOCDIR)|g' $(1) > $(2) && ! grep -n '@[A-Z_]*@' $(2)

install: $(BINS) $(OUTPUT)/bpfence-attack
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR)/policies/examples
	install -d $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -d $(DESTDIR)$(SYSCONFDIR)/bpfence
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(LOGROTATEDIR)
	install -m 0755 $(OUTPUT)/bpfence $(OUTPUT)/bpfenced $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(OUTPUT)/bpfence-attack $(DESTDIR)$(LIBEXECDIR)/bpfence-attack
	install -m 0644 $(POLICIES) $(DESTDIR)$(DATADIR)/policies/
	install -m 0644 $(EXAMPLE_POLICIES) $(DESTDIR)$(DATADIR)/policies/examples/
	for d in $(DOCS); do install -m 0644 $${d%%:*} $(DESTDIR)$(DOCDIR)/$${d#*:} || exit 1; done
	install -m 0755 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/
	if [ -e $(CONF_DEST) ]; then echo "kept $(CONF_DEST) (the shipped one is $(CONF))"; \
	else install -m 0644 $(CONF) $(CONF_DEST); fi
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 tools/completion/bpfence $(DESTDIR)$(COMPLETIONDIR)/bpfence
	ln -sf bpfence $(DESTDIR)$(COMPLETIONDIR)/bpfenced
	install -m 0644 tools/logrotate/bpfence $(DESTDIR)$(LOGROTATEDIR)/bpfence
	$(call render,tools/systemd/bpfence-tag-slice.in,$(DESTDIR)$(LIBEXECDIR)/bpfence-tag-slice)
	chmod 0755 $(DESTDIR)$(LIBEXECDIR)/bpfence-tag-slice
	for u in $(UNIT_TEMPLATES); do \
		f=$(DESTDIR)$(UNITDIR)/$$(basename $$u .in); \
		$(call render,$$u,$$f) || exit 1; chmod 0644 $$f; \
	done

# Removes what install put there, with the same variables, and the directories that are
# bpfence's own; shared ones (sbin, man8, ...) stay, and so does $(SYSCONFDIR)/bpfence while it
# holds the administrator's policies or an edited bpfenced.conf.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,bpfence bpfenced)
	rm -f $(addprefix $(DESTDIR)$(LIBEXECDIR)/,bpfence-attack bpfence-tag-slice)
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/,$(POLICIES) $(EXAMPLE_POLICIES))
	for d in $(DOCS); do rm -f $(DESTDIR)$(DOCDIR)/$${d#*:}; done
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(notdir $(EXAMPLES)))
	if cmp -s $(CONF) $(CONF_DEST); then rm -f $(CONF_DEST); \
	elif [ -e $(CONF_DEST) ]; then echo "kept $(CONF_DEST): it was edited"; fi
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MAN8)))
	rm -f $(addprefix $(DESTDIR)$(COMPLETIONDIR)/,bpfence bpfenced)
	rm -f $(DESTDIR)$(LOGROTATEDIR)/bpfence
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS))
	for d in $(LIBEXECDIR) $(DATADIR)/policies/examples $(DATADIR)/policies $(DATADIR) \
		$(DOCDIR)/examples $(DOCDIR); do \
		! [ -d $(DESTDIR)$$d ] || rmdir $(DESTDIR)$$d || exit 1; \
	done
	! [ -d $(DESTDIR)$(SYSCONFDIR)/bpfence ] || \
		rmdir --ignore-fail-on-non-empty $(DESTDIR)$(SYSCONFDIR)/bpfence

# The Debian package (debian/), built by dpkg-buildpackage from a copy of the tree in
# .output/deb/src, so that neither the build nor debian/rules clean touch this tree; the .deb and
# its lintian report are left in .output/deb. Fails on any lintian error or warning that
# debian/bpfence.lintian-overrides does not justify.
DEB_PKGS := debhelper dpkg-dev lintian
DEB_DIR := $(OUTPUT)/deb
deb:
	$(Q)tools/deps $(BUILD_PKGS) $(DEB_PKGS)
	$(Q)tools/deb $(DEB_DIR)

clean:
	rm -rf $(OUTPUT)/*.o $(OUTPUT)/*.a $(OUTPUT)/*.d $(OUTPUT)/*.skel.h $(OUTPUT)/vmlinux.h \
		$(OUTPUT)/loader $(OUTPUT)/cli $(OUTPUT)/tests $(OUTPUT)/tools $(OUTPUT)/bench $(OUTPUT)/bpfence-bench $(OUTPUT)/bpfence-attack \
		$(BINS) $(DEPS_STAMP) $(DEB_DIR)

include tests/fuzz/fuzz.mk

# Header dependencies from -MMD, named object by object (.output/vm holds a *.d directory).
-include $(wildcard $(OUTPUT)/bpfence.bpf.d $(patsubst %.o,%.d,$(LIB_OBJS) $(CLI_OBJS) \
	$(OUTPUT)/loader/bpfenced.o $(OUTPUT)/tests/unit/test_policy.o \
	$(OUTPUT)/tests/unit/test_dns.o $(OUTPUT)/tests/unit/test_metrics.o \
	$(OUTPUT)/tests/unit/test_request.o $(BENCH_OBJS)))
