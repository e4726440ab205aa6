"""Named selections of experiments used by the studies and the CLI defaults.

The studies reproduce published results on fixed sets of experiments; those sets are declared
here, next to the experiments, so that nothing outside ``experiments/`` names an experiment id.
"""

from bayes_cevns.experiments.registry import registration

CSI_2021 = "coherent_csi_2021"
AR_2020 = "coherent_ar_2020"
CSI_2017 = "coherent_csi_2017_data"
#: XENONnT solar 8B, science runs SR0-SR2
XENONNT_8B = ("xenonnt_8b_sr0", "xenonnt_8b_sr1", "xenonnt_8b_sr2")

#: the default data of ``fit`` / ``profile`` / ``limit``: both COHERENT releases of [LM]
DEFAULT_DATA = (CSI_2021, AR_2020)
#: CsI, Ar and CsI+Ar: the three datasets of [LM] Table 2 and of the NSI tables
COHERENT_COMBINATIONS = ((CSI_2021,), (AR_2020,), (CSI_2021, AR_2020))
#: the combinations of the global CEvNS study: COHERENT 2020/2021, with XENONnT SR0-SR2 added, and
#: all six releases. The CsI 2021 release is the full CsI[Na] data set (3.198e23 POT), which contains
#: the 1.76e23 POT of the 2017 release, so the six-release fit counts those events twice: it is the
#: convergence and timing check the four-dataset combination asks for, not an independent measurement.
GLOBAL_COMBINATIONS: dict[str, tuple[str, ...]] = {
    "COHERENT": DEFAULT_DATA,
    "COHERENT+XENONnT": DEFAULT_DATA + XENONNT_8B,
    "all six": (CSI_2017,) + DEFAULT_DATA + XENONNT_8B,
}
#: projected detectors of the E6 mixing-angle scan ([E6LR] Fig. 5)
PROJECTION_BETA = ("coherent_lar_ton", "conus", "cr51_lxe_c")
#: projected setups compared with the U(1)_R bounds of [U1R] Fig. 5
U1R_PROJECTIONS = ("texono_nue", "coherent_csi_2017", "cr51_lxe_c")
#: the XENON1T solar nu-e window of the U(1)_R excess comparison
XENON1T_SOLAR = "xenon1t_solar"


def title(experiments: tuple[str, ...] | list[str]) -> str:
    """Short title of a dataset for tables and legends: registered titles joined by '+'."""
    return "+".join(registration(e).title for e in experiments)


def label_of(experiments: tuple[str, ...] | list[str]) -> str:
    """Parameter-name label of a dataset ('csi+ar')."""
    return "+".join(registration(e).label for e in experiments)
