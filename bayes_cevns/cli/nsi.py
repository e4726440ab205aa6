"""Non-standard interactions: ``nsi-table`` and ``lma-dark``."""

from typing import Annotated

import typer

from bayes_cevns.cli.options import DEFAULT_DATA, Cl, Data, DataOptions, OutFolder
from bayes_cevns.cli.output import UNFINISHED, run_then_show
from bayes_cevns.cli.parsing import data_options, experiment_list
from bayes_cevns.experiments import with_options
from bayes_cevns.cli.paths import check_output_folder


def nsi_table(
    out: OutFolder = "results",
    grid: Annotated[int, typer.Option("--grid", help="points of the eps grid on [-1, 1]")] = 401,
    cl: Cl = 0.90,
    data_option: DataOptions = None,
) -> None:
    """One-at-a-time NSI bounds (chi^2 and Bayes, Savage-Dickey B01) for CsI, Ar and CsI+Ar."""
    def run() -> None:
        from bayes_cevns.inference.limits import delta_chi2_threshold
        from bayes_cevns.studies.nsi import DATASETS, compute_bounds_table, write_bounds_table

        delta_chi2_threshold(cl)
        if grid < 51:
            raise ValueError(f"--grid needs at least 51 points, got {grid}")
        options = data_options(data_option)
        with_options(sorted({e for exps in DATASETS.values() for e in exps}), options)
        check_output_folder(out)
        write_bounds_table(compute_bounds_table(n_grid=grid, cl=cl, options=options), out)

    run_then_show(run, f"{out}/nsi_bounds.md", UNFINISHED)


def lma_dark(
    out: OutFolder = "results",
    data: Data = DEFAULT_DATA,
    masses: Annotated[str, typer.Option("--masses", help="LO:HI:N Z' masses in MeV, log-spaced")] = "0.5:100000:11",
    weight_dark: Annotated[float, typer.Option("--weight-dark", help="prior probability of LMA-Dark")] = 0.5,
    group: Annotated[str, typer.Option("--group", help="gauged U(1)': B | B-L")] = "B",
) -> None:
    """P(LMA-Dark) with and without CEvNS vs the U(1)_B or U(1)_{B-L} Z' mass ([NSI-UV] Sec. 3)."""
    def run() -> None:
        from bayes_cevns.inference.nsi_scan import EpsScan
        from bayes_cevns.io import provenance
        from bayes_cevns.priors.presets import lma_two_solution_prior
        from bayes_cevns.physics.nsi_zprime import matter_scale
        from bayes_cevns.studies.lma_dark import compute_lma_dark, write_lma_dark
        from bayes_cevns.studies.scan import parse_masses

        if not 0.0 < weight_dark < 1.0:
            raise ValueError(f"--weight-dark must lie in (0, 1), got {weight_dark}")
        matter_scale(group)  # an unknown group is refused before any work
        experiments = experiment_list(data)
        grid = parse_masses(masses)
        check_output_folder(out)
        scan = EpsScan(experiments, ["eps_ee_u", "eps_ee_d"])
        res = compute_lma_dark(scan, grid, prior=lma_two_solution_prior(weight_dark=weight_dark), group=group)
        write_lma_dark(res, out, provenance(scan.card, scan.built.experiments, method="grid",
                                            masses=masses, weight_dark=weight_dark, group=group))

    from bayes_cevns.studies.lma_dark import result_stem

    run_then_show(run, f"{out}/{result_stem(group)}.md", UNFINISHED)
