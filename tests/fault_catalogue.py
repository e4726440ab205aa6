"""The faults the test suite injects, with the behaviour it asserts: the source of the docs page
"What happens when…" (``docs/hooks/faults.py``). Every entry names the test that checks it, and
``tests/test_fault_catalogue.py`` fails if that test does not exist, so the page cannot drift."""

#: (fault, what the package does, test node id)
FAULTS = [
    ("SIGINT during `fit --out`", "exit 130, one `interrupted:` line; nothing written at `--out`, an "
     "existing file stays byte-identical", "tests/cli/test_cli_signals.py::test_interrupted_fit_keeps_the_existing_out_file"),
    ("SIGTERM during `fit --out`", "exit 143, as for SIGINT",
     "tests/cli/test_cli_signals.py::test_interrupted_fit_keeps_the_existing_out_file"),
    ("a sampler that swallows the interrupt and returns partial chains", "the interrupt is raised again; "
     "partial (NaN) chains are never saved", "tests/cli/test_cli_signals.py::test_guard_raises_even_when_the_sampler_swallows_the_interrupt"),
    ("SIGINT during a `limits` scan", "exit 130; completed mass slices are kept and the message says that "
     "re-running the command resumes", "tests/cli/test_cli_signals.py::test_interrupted_scan_keeps_slices_and_says_how_to_resume"),
    ("Ctrl-C to the whole process group during a `limits` scan on a local Dask cluster",
     "exit 130, exactly one `interrupted:` line (the workers ignore SIGINT, Dask logs silenced), no "
     "worker process outlives the command", "tests/cli/test_cli_signals.py::test_ctrl_c_reaches_the_whole_group_during_a_dask_scan"),
    ("SIGTERM while a command works outside sampling (e.g. `limit` compiling)", "exit 143, one "
     "`interrupted:` line", "tests/cli/test_cli_signals.py::test_sigterm_outside_sampling_is_one_line_and_143"),
    ("a result write that fails half-way", "the previous file is kept, no temporary file is left",
     "tests/inference/test_inference.py::test_save_atomic_failure_keeps_old_file"),
    ("a full disk (ENOSPC) while writing a table", "OSError; the previous file is kept, no temporary file",
     "tests/test_io.py::test_full_disk_keeps_the_previous_result"),
    ("a data file with a byte appended", "DataIntegrityError naming the file, before any model is built",
     "tests/experiments/test_data_integrity.py::test_appended_byte_is_detected"),
    ("a truncated data file", "DataIntegrityError naming the file",
     "tests/experiments/test_data_integrity.py::test_truncated_file_is_detected"),
    ("a same-length edit (bit flip) of a data file", "DataIntegrityError naming the file",
     "tests/experiments/test_data_integrity.py::test_same_length_edit_is_detected"),
    ("a missing data file", "DataIntegrityError naming the file",
     "tests/experiments/test_data_integrity.py::test_missing_file_is_detected"),
    ("a missing checksum manifest", "DataIntegrityError",
     "tests/experiments/test_data_integrity.py::test_missing_manifest_is_detected"),
    ("a data table whose column count changed (manifest updated)", "DataIntegrityError naming the file",
     "tests/experiments/test_data_integrity.py::test_changed_column_count_names_the_file"),
    ("a checksum-manifest line without a file name", "DataIntegrityError naming the manifest and line",
     "tests/experiments/test_data_integrity.py::test_manifest_line_without_a_name"),
    ("a corrupt projected-setup table (`setups.toml`)", "DataIntegrityError naming the file",
     "tests/experiments/test_data_integrity.py::test_corrupt_setup_table_names_the_file"),
    ("corrupted data, run through the installed `bayes-cevns` script", "one `error:` line, non-zero exit, "
     "no traceback", "tests/experiments/test_data_integrity.py::test_console_script_corrupted_data"),
    ("a card key typo (`fre = true`)", "CardError: card, table and key named, with a did-you-mean",
     "tests/model/test_card_schema.py::test_typo_free_is_an_error_not_a_fixed_parameter"),
    ("a non-numeric card value (`default = \"one\"`)", "CardError naming card, table and key",
     "tests/model/test_card_schema.py::test_non_numeric_default_names_card_table_and_key"),
    ("an unknown card table (`[priors]`)", "CardError listing the allowed tables",
     "tests/model/test_card_schema.py::test_unknown_top_level_table"),
    ("a restrictive umask (077)", "result files get mode 0600; with 022 they get 0644",
     "tests/test_io.py::test_files_honour_the_umask"),
]
