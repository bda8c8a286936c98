# cdaemon — build, install, test. See README.md.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build/obj
BIN ?= bin
SAN ?=
CC ?= gcc

PKGS_DAEMON := libmicrohttpd json-c sqlite3 libuv libarchive libcrypto libsystemd libcurl
# cdctl links no libcurl and no libcrypto: each costs its start-up time
# (Debian's libcurl alone, with its 30 libraries, ~17 ms per run).
PKGS_CLIENT := json-c
PKGS_MON := json-c libseccomp
PKGS_TEST := cmocka

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -Ilib $(SAN)
LDFLAGS += $(SAN)

pc_cflags = $(shell pkg-config --cflags $(1) 2>/dev/null)
pc_libs = $(shell pkg-config --libs $(1) 2>/dev/null)

MAINS := daemon/main.c client/main.c monitor/main.c monitor/relay_main.c
LIB_SRCS := $(wildcard lib/*.c)
# The daemon also uses the runtime's cgroup placement (top) and the CLI's
# docker timestamps (the until filter of prune).
DAEMON_SRCS := $(filter-out $(MAINS),$(wildcard daemon/*.c api/*.c store/*.c images/*.c network/*.c)) \
  runtime/cgroup.c runtime/cgroup_limits.c runtime/cgroup_limits_parse.c runtime/cgroup_freeze.c \
  runtime/names.c client/timestamp.c
CLIENT_SRCS := $(filter-out $(MAINS),$(wildcard client/*.c))
MON_SRCS := $(filter-out $(MAINS),$(wildcard monitor/*.c runtime/*.c))
ALL_PKGS := $(sort $(PKGS_DAEMON) $(PKGS_CLIENT) $(PKGS_MON))
ALL_CFLAGS := $(CFLAGS) $(call pc_cflags,$(ALL_PKGS) $(PKGS_TEST))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

BINS := $(BIN)/cdaemon $(BIN)/cdctl $(BIN)/cdmon $(BIN)/cdmon-relay $(BIN)/cdinit
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all deps install uninstall test unit integration asan image bench clean

all: $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libcore.a: $(call obj,$(LIB_SRCS) $(DAEMON_SRCS) $(CLIENT_SRCS) $(MON_SRCS))
	@rm -f $@
	ar rcs $@ $^

$(BIN)/cdaemon: $(call obj,daemon/main.c $(DAEMON_SRCS) $(LIB_SRCS))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(call pc_libs,$(PKGS_DAEMON)) -lpthread

# lib/ as an archive: the client takes only the objects it calls (not
# lib/sha256.o and its libcrypto).
$(BUILD)/libcdlib.a: $(call obj,$(LIB_SRCS))
	@rm -f $@
	ar rcs $@ $^

$(BIN)/cdctl: $(call obj,client/main.c $(CLIENT_SRCS)) $(BUILD)/libcdlib.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(if $(SAN),,-static) -o $@ $^ $(call pc_libs,$(if $(SAN),,--static) $(PKGS_CLIENT))

# cdmon: static (no dynamic loading on the start path of every container) and
# without libcrypto (lib/sha256.c is not needed by the runtime).
MON_LIB_SRCS := $(filter-out lib/sha256.c,$(LIB_SRCS))
$(BIN)/cdmon: $(call obj,monitor/main.c $(MON_SRCS) $(MON_LIB_SRCS))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(if $(SAN),,-static) -o $@ $^ $(call pc_libs,$(if $(SAN),,--static) $(PKGS_MON))

# cdmon-relay: the long-lived half of cdmon (monitor/relay.h), libc only and
# static so that a monitor stays under 1 MiB resident (dynamic with SAN).
RELAY_SRCS := monitor/relay_main.c monitor/relay.c monitor/relay_cmd.c monitor/attach.c monitor/log.c \
  monitor/jsonfmt.c monitor/ctl.c monitor/exitfile.c lib/err.c lib/fsutil.c
$(BIN)/cdmon-relay: $(call obj,$(RELAY_SRCS))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(if $(SAN),,-static) -o $@ $^

# cdinit: the init of --init containers, bind-mounted into images that have
# no libc of their own: always static, never built with the sanitizers.
$(BIN)/cdinit: init/cdinit.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -std=gnu11 -Wall -Wextra -Werror -static -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libcore.a $(call pc_libs,$(ALL_PKGS) $(PKGS_TEST)) -lpthread

$(BUILD)/rtrun: tests/tools/rtrun.c $(BUILD)/libcore.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libcore.a $(call pc_libs,$(ALL_PKGS)) -lpthread

deps:
	tests/deps.sh

image: build/images/busybox.tar

build/images/busybox.tar: tests/fixtures/mkbusybox.sh
	tests/fixtures/mkbusybox.sh build/images

unit: $(UNIT_BINS)
integration: $(BINS) image

test: $(BINS) $(UNIT_BINS) $(BUILD)/rtrun image
	BIN_DIR=$(abspath $(BIN)) UNIT_DIR=$(abspath $(BUILD)/tests) tests/run.sh

asan:
	$(MAKE) BUILD=build/asan/obj BIN=build/asan/bin \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

# QUICK=1 (or ARGS=--quick): the under-2-minute run.
bench: $(BINS) image $(BUILD)/loadgen
	LOADGEN=$(abspath $(BUILD)/loadgen) bench/run.sh $(if $(QUICK),--quick) $(ARGS) $(BENCH_ARGS)

$(BUILD)/loadgen: bench/loadgen.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $<

install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	sed 's|/usr/local/bin/|$(PREFIX)/bin/|g' systemd-units/cdaemon.service \
	  > $(DESTDIR)$(PREFIX)/lib/systemd/system/cdaemon.service
	install -m 0644 systemd-units/cdaemon.socket $(DESTDIR)$(PREFIX)/lib/systemd/system/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,cdaemon cdctl cdmon cdmon-relay cdinit)
	rm -f $(DESTDIR)$(PREFIX)/lib/systemd/system/cdaemon.service $(DESTDIR)$(PREFIX)/lib/systemd/system/cdaemon.socket

clean:
	rm -rf build bin

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
