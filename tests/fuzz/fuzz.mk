# SPDX-License-Identifier: GPL-2.0-only
#
# Hostile-input testing, included by the main Makefile (tests/fuzz/README.md).
#
#   make fuzz        fuzz the policy parser for FUZZ_TIME seconds (default 600) on a corpus that
#                    grows in .output/fuzz/corpus
#   make test-fuzz   every checked-in corpus input once, then FUZZ_TEST_TIME seconds (default 60)
#                    of fuzzing; fails on any crash or invariant violation
#   make test-asan   the unit tests and the host bats suite against an ASan+UBSan build in
#                    .output/asan (the normal build in .output is left alone)
#   make clean-fuzz  remove .output/fuzz and .output/asan (part of `make clean`)
#
# Uses the main Makefile's OUTPUT, Q, msg, CLANG, WARNINGS, LIB_SRCS and USER_LDLIBS.

# Whatever comes first in this file must not become the default goal of `make`.
FUZZ_SAVED_GOAL := $(.DEFAULT_GOAL)

FUZZ_DIR := tests/fuzz
FUZZ_OUT := $(OUTPUT)/fuzz
FUZZ_BIN := $(FUZZ_OUT)/fuzz_policy
FUZZ_TIME ?= 600
FUZZ_TEST_TIME ?= 60
# Above LINE_BYTES_MAX (4096), so over-long lines get mutated too.
FUZZ_MAX_LEN ?= 12288
# clang 14 does not know gcc's -Wformat-truncation (in WARNINGS): tell it to ignore such names.
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -std=gnu11 $(WARNINGS) -Wno-unknown-warning-option \
	-D_GNU_SOURCE -Ibpf -Iloader -I$(OUTPUT)
# libFuzzer's runtime ships apart from clang, in the package of the matching version.
FUZZ_PKGS = clang libclang-rt-$(shell $(CLANG) -dumpversion | cut -d. -f1)-dev
# FUZZ_ARGS adds libFuzzer flags, e.g. make fuzz FUZZ_ARGS=-fork=2
FUZZ_FLAGS = -dict=$(FUZZ_DIR)/dict -max_len=$(FUZZ_MAX_LEN) -print_final_stats=1 \
	-artifact_prefix=$(FUZZ_OUT)/artifacts/ $(FUZZ_ARGS)

ASAN_OUT := $(OUTPUT)/asan
# clang, not gcc: its ASan runtime carries UBSan, so log_path below catches UBSan reports as well
# (gcc's separate libubsan prints to stderr only, which a test may discard).
ASAN_CC ?= $(CLANG)
ASAN_CFLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
ASAN_LIB_OBJS := $(patsubst %.c,$(ASAN_OUT)/%.o,$(LIB_SRCS))
ASAN_CLI_OBJS := $(patsubst %.c,$(ASAN_OUT)/%.o,$(wildcard cli/*.c))
# Reports go to files, not only to stderr: bats swallows the output of passing tests, and some
# calls ignore the exit status (can_enforce). Exit status 86 is no status bpfence itself uses.
# LSan stops the process with ptrace, which works as root, as here. The log directory is
# world-writable because one test runs the CLI as nobody.
ASAN_LOGS := $(CURDIR)/$(ASAN_OUT)/logs
ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:exitcode=86:log_path=$(ASAN_LOGS)/san \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=86:log_path=$(ASAN_LOGS)/san

.PHONY: fuzz test-fuzz test-asan clean-fuzz

# `make clean` removes these trees too (a prerequisite adds to the main clean rule's recipe).
clean: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_OUT) $(ASAN_OUT)

$(FUZZ_BIN): $(FUZZ_DIR)/fuzz_policy.c loader/policy.c loader/policy.h $(FUZZ_DIR)/fuzz.mk
	$(Q)tools/deps $(FUZZ_PKGS)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_DIR)/fuzz_policy.c loader/policy.c -o $@

# New inputs go to the copy, kept from run to run (their names are hashes, the seeds' are not);
# the checked-in corpus only grows by hand (README.md: -merge=1).
fuzz: $(FUZZ_BIN)
	$(Q)mkdir -p $(FUZZ_OUT)/corpus $(FUZZ_OUT)/artifacts
	$(Q)cp $(FUZZ_DIR)/corpus/* $(FUZZ_OUT)/corpus/
	$(Q)$(FUZZ_BIN) $(FUZZ_FLAGS) -max_total_time=$(FUZZ_TIME) $(FUZZ_OUT)/corpus

# The checked-in corpus is read (second directory) but never written: libFuzzer saves new inputs
# to the first directory only, a scratch one emptied on each run. The log stays in
# $(FUZZ_OUT)/test-fuzz.log; on a crash the report is shown with the saved input.
test-fuzz: $(FUZZ_BIN)
	$(Q)rm -rf $(FUZZ_OUT)/work && mkdir -p $(FUZZ_OUT)/work $(FUZZ_OUT)/artifacts
	$(Q)log=$(FUZZ_OUT)/test-fuzz.log; \
	report() { \
		grep -v -e '^#[0-9]' -e '^stat::' -e '^INFO:' $$log | tail -n 60; \
		echo "fuzz: $$1, input saved as" \
			"$$(sed -n 's/.*Test unit written to //p' $$log | tail -n 1)"; \
		exit 1; \
	}; \
	$(FUZZ_BIN) $(FUZZ_FLAGS) -runs=0 $(FUZZ_DIR)/corpus > $$log 2>&1 || \
		report "corpus regression FAILED (an input in $(FUZZ_DIR)/corpus)"; \
	echo "fuzz: corpus regression: $$(ls $(FUZZ_DIR)/corpus | wc -l) inputs, 0 crashes"; \
	start=$$(date +%s); \
	$(FUZZ_BIN) $(FUZZ_FLAGS) -max_total_time=$(FUZZ_TEST_TIME) \
		$(FUZZ_OUT)/work $(FUZZ_DIR)/corpus > $$log 2>&1; \
	rc=$$?; \
	runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -n 1); \
	[ $$rc -eq 0 ] || report "$${runs:-?} runs, CRASH (exit $$rc)"; \
	echo "fuzz: $$runs runs in $$(( $$(date +%s) - start )) s, 0 crashes," \
		"$$(ls $(FUZZ_OUT)/work | wc -l) new inputs in $(FUZZ_OUT)/work"

# A separate object tree: the same sources as the normal build, compiled with sanitizers.
$(ASAN_OUT)/%.o: %.c $(OUTPUT)/bpfence.skel.h $(FUZZ_DIR)/fuzz.mk
	$(call msg,ASAN-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(ASAN_CC) $(ASAN_CFLAGS) $(USER_CFLAGS) -Wno-unknown-warning-option -c $< -o $@

$(ASAN_OUT)/bpfence: $(ASAN_CLI_OBJS) $(ASAN_LIB_OBJS)
	$(call msg,ASAN-LD,$@)
	$(Q)$(ASAN_CC) $(ASAN_CFLAGS) $^ $(USER_LDLIBS) -o $@

$(ASAN_OUT)/test_policy: $(ASAN_OUT)/tests/unit/test_policy.o $(ASAN_LIB_OBJS)
	$(call msg,ASAN-LD,$@)
	$(Q)$(ASAN_CC) $(ASAN_CFLAGS) $^ $(USER_LDLIBS) -o $@

# The DNS wire format (loader/dns.c) takes bytes from a restricted function and from upstream
# nameservers: its unit tests, with their 200,000 mutated messages, under the sanitizers too.
$(ASAN_OUT)/test_dns: $(ASAN_OUT)/tests/unit/test_dns.o $(ASAN_LIB_OBJS)
	$(call msg,ASAN-LD,$@)
	$(Q)$(ASAN_CC) $(ASAN_CFLAGS) $^ $(USER_LDLIBS) -o $@

# bpfenced's metrics endpoint and syslog output face scrapers and a syslog daemon: their unit
# tests, with hostile clients, under the sanitizers too.
$(ASAN_OUT)/test_metrics: $(ASAN_OUT)/tests/unit/test_metrics.o $(ASAN_LIB_OBJS)
	$(call msg,ASAN-LD,$@)
	$(Q)$(ASAN_CC) $(ASAN_CFLAGS) $^ $(USER_LDLIBS) -o $@

# Requests on bpfenced's socket come from any member of its group: the request and
# configuration parsers' unit tests, with their hostile requests, under the sanitizers too.
$(ASAN_OUT)/test_request: $(ASAN_OUT)/tests/unit/test_request.o $(ASAN_LIB_OBJS)
	$(call msg,ASAN-LD,$@)
	$(Q)$(ASAN_CC) $(ASAN_CFLAGS) $^ $(USER_LDLIBS) -o $@

# The host bats suite runs the CLI named by BPFENCE (tests/host/helpers.bash). The bats exit
# status is kept across the tee; any sanitizer log fails the target even if every test passed.
test-asan: $(ASAN_OUT)/bpfence $(ASAN_OUT)/test_policy $(ASAN_OUT)/test_dns $(ASAN_OUT)/test_metrics \
		$(ASAN_OUT)/test_request
	$(Q)rm -rf $(ASAN_LOGS) && mkdir -p $(ASAN_LOGS) && chmod 1777 $(ASAN_LOGS)
	$(Q)$(ASAN_ENV) $(ASAN_OUT)/test_policy tests/data/policies . || \
		{ cat $(ASAN_LOGS)/* 2>/dev/null; exit 1; }
	$(Q)$(ASAN_ENV) $(ASAN_OUT)/test_dns || { cat $(ASAN_LOGS)/* 2>/dev/null; exit 1; }
	$(Q)$(ASAN_ENV) $(ASAN_OUT)/test_metrics docs/metrics.md || \
		{ cat $(ASAN_LOGS)/* 2>/dev/null; exit 1; }
	$(Q)$(ASAN_ENV) $(ASAN_OUT)/test_request policies || \
		{ cat $(ASAN_LOGS)/* 2>/dev/null; exit 1; }
	$(Q)tools/deps bats
	$(Q)grep -q 'BPFENCE="$${BPFENCE:-' tests/host/helpers.bash || \
		{ echo "test-asan: tests/host/helpers.bash does not take BPFENCE from the environment"; \
		  exit 1; }
	$(Q){ $(ASAN_ENV) BPFENCE=$(CURDIR)/$(ASAN_OUT)/bpfence bats --tap tests/host; \
		echo $$? > $(ASAN_OUT)/bats.rc; } | tee $(ASAN_OUT)/bats.tap
	$(Q)echo "asan bats: $$(grep -c '^ok' $(ASAN_OUT)/bats.tap) passed," \
		"$$(grep -c '^not ok' $(ASAN_OUT)/bats.tap) failed"; \
	n=$$(ls $(ASAN_LOGS) | wc -l); \
	if [ $$n -ne 0 ]; then \
		for f in $$(ls $(ASAN_LOGS) | head -n 3); do cat $(ASAN_LOGS)/$$f; done; \
		echo "asan: $$n sanitizer reports (the first ones above; all in $(ASAN_LOGS))"; \
		exit 1; \
	fi; \
	echo "asan: no sanitizer reports"; \
	exit $$(cat $(ASAN_OUT)/bats.rc)

-include $(wildcard $(patsubst %.o,%.d,$(ASAN_LIB_OBJS) $(ASAN_CLI_OBJS) \
	$(ASAN_OUT)/tests/unit/test_policy.o $(ASAN_OUT)/tests/unit/test_dns.o \
	$(ASAN_OUT)/tests/unit/test_metrics.o))

.DEFAULT_GOAL := $(FUZZ_SAVED_GOAL)
