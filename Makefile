# llmlite Makefile.  `make` builds every example and tool into build/;
# `make test` builds and runs every test.
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -std=c99
LDLIBS  := -lm -lpthread
BUILD   := build

# llmlite.h is assembled from the parts in src/ (in name order).
PARTS := $(sort $(wildcard src/*.h))

all: $(BUILD)/llmlite-gguf $(BUILD)/llmlite-quantize

llmlite.h: $(PARTS)
	cat $(PARTS) > $@

$(BUILD):
	mkdir -p $@

$(BUILD)/llmlite-%: tools/%.c llmlite.h | $(BUILD)
	$(CC) $(CFLAGS) $(WARN) -I. -o $@ $< $(LDLIBS)

.PHONY: all
