# `sam build` (and `sam sync`) run build-<LogicalId> here, in the repository root: each function's template entry
# has Metadata BuildMethod: makefile with ProjectRootDirectory and ContextPath ".", and samconfig.toml builds in
# source. Each target packages the function's self-contained jar with ./recorder (which finds a JDK >= 21) and
# puts it where Lambda's Java runtime looks for libraries: $(ARTIFACTS_DIR)/lib/.

define lambda_jar
	./recorder build -q -pl functions/$(1) -am
	mkdir -p "$(ARTIFACTS_DIR)/lib"
	cp functions/$(1)/target/$(1).jar "$(ARTIFACTS_DIR)/lib/"
endef

.PHONY: build-FanoutFunction build-SliceFunction build-WorkerFunction build-TransformFunction build-CompactFunction build-ReplayFunction

build-FanoutFunction:
	$(call lambda_jar,fanout)

# Slice messages run on their own function, from the fan-out jar.
build-SliceFunction:
	$(call lambda_jar,fanout)

build-WorkerFunction:
	$(call lambda_jar,worker)

build-TransformFunction:
	$(call lambda_jar,transform)

# The compaction handler ships in the transform jar.
build-CompactFunction:
	$(call lambda_jar,transform)

build-ReplayFunction:
	$(call lambda_jar,replay)
