# mmvision_plus: the two commands (see README.md).
#   make demo   set up if needed, generate the demo world, train + test the demo detector
#   make test   set up if needed, run the test suite
PYTHON_ENV ?= .venv
PY := $(PYTHON_ENV)/bin/python
DEMO_CONFIG := configs/demo/fcos_r18_fpn_gn-head_bf16_1xb4-16e_demo-world.py
DEMO_WORK_DIR := work_dirs/demo

.PHONY: setup demo test test-fast

setup:
	@VENV=$(abspath $(PYTHON_ENV)) bash tools/setup_env.sh

demo: setup
	@echo "==> [demo] generating the demo world (skipped if present)"
	$(PY) tools/data/make_demo_world.py --out data/demo_world --seed 0 --skip-existing
	@echo "==> [demo] training $(DEMO_CONFIG)"
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR)
	@echo "==> [demo] evaluating the saved checkpoint"
	$(PY) tools/test.py $(DEMO_CONFIG) $$(cat $(DEMO_WORK_DIR)/last_checkpoint) --work-dir $(DEMO_WORK_DIR)/test

test: setup
	$(PY) -m pytest tests -q

test-fast: setup
	$(PY) -m pytest tests -q -m "not slow"
