# lit configuration for Strata's text tests (parser, printer, verifier, passes,
# SNPU assembler/simulator).  Each test is a file with RUN: lines; FileCheck
# checks the output.  The build's bin/ comes first on PATH so `strata` is ours.
import os
import lit.formats

config.name = "strata"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".ir", ".s", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "unit", "fuzz", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.strata_build_dir, "test")
config.environment["PATH"] = os.pathsep.join(
    [config.strata_bin_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ.get("PATH", ""))])
for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
config.substitutions.append(("%strata", os.path.join(config.strata_bin_dir, "strata")))
config.substitutions.append(("%shared", config.strata_shared_dir))
